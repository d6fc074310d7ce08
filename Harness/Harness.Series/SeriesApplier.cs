using System.Diagnostics;
using System.Text.RegularExpressions;
using Harness.Core;
using Microsoft.Extensions.Logging;

namespace Harness.Series;

/// <summary>
/// Applies the series to the base in a git work tree under the cache, one commit
/// per patch with git am. Reuses the tree when it already contains exactly this
/// series, and rejects a change of series that would discard a developer's unexported edits.
/// </summary>
public sealed partial class SeriesApplier(HarnessPaths paths, CommandRunner runner, ILogger logger)
{
    public string TreePathFor(KernelBase kernelBase) => Path.Combine(paths.Trees, kernelBase.Id);

    public string LockPathFor(KernelBase kernelBase) => Path.Combine(paths.Trees, kernelBase.Id + ".lock");

    private string StatePathFor(KernelBase kernelBase) => Path.Combine(paths.State, $"tree-{kernelBase.Id}.json");

    /// <summary>Rejects an --up-to count that is not between 0 (the base alone) and the number of patches.</summary>
    public static void CheckUpTo(SeriesFile series, int? upTo)
    {
        if (upTo is < 0 || upTo > series.PatchFiles.Count)
        {
            throw new SeriesException(
                $"--up-to {upTo} is outside the series: '{Path.Combine(series.Directory, SeriesFile.FileName)}' lists {series.PatchFiles.Count} patches, so N goes from 0 (the base alone) to {series.PatchFiles.Count}.");
        }
    }

    /// <param name="force">Discard uncommitted changes and unexported commits in the work tree.</param>
    /// <param name="upTo">Apply only the first N patches (for bisecting); null applies all.</param>
    public async Task<AppliedSeries> ApplyAsync(
        KernelBase kernelBase,
        SeriesFile series,
        bool force = false,
        int? upTo = null,
        CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        CheckUpTo(series, upTo);
        var patches = upTo is { } count ? series.PatchFiles.Take(count).ToList() : series.PatchFiles.ToList();
        var selected = series with { PatchFiles = patches };
        var seriesHash = selected.ComputeHash();
        var tree = TreePathFor(kernelBase);

        using var treeLock = await FileLock.AcquireAsync(LockPathFor(kernelBase), TimeSpan.FromMinutes(60),
            () => logger.LogInformation("Waiting for another harness process to release the work tree {Tree}", tree),
            cancellationToken);

        await EnsureWorkTreeAsync(kernelBase, tree, cancellationToken);

        var state = JsonState.Read<TreeState>(StatePathFor(kernelBase));
        var head = await GitAsync(tree, cancellationToken, "rev-parse", "HEAD");
        var dirty = await GitAsync(tree, cancellationToken, "status", "--porcelain", "--untracked-files=no");

        if (state is not null && state.BaseRevision == kernelBase.BaseRevision && state.SeriesHash == seriesHash)
        {
            if (state.Head == head && dirty.Length == 0)
                return new AppliedSeries(kernelBase, tree, state.Commits, seriesHash, Reused: true, clock.Elapsed);

            // kernel-patches/ has not changed since the last apply, so the edits
            // in the tree are the developer's work in progress: build them as
            // they are, and warn that they are not in the series yet.
            logger.LogWarning(
                "The work tree {Tree} has changes that are not in kernel-patches/ ({What}); building it as it is. " +
                "Run './harness series export' to keep them, or 'series apply --force' to drop them.",
                tree, dirty.Length > 0 ? "uncommitted edits" : "new commits");
            var current = await ReadCommitsAsync(kernelBase, tree, patches, cancellationToken);
            return new AppliedSeries(kernelBase, tree, current, seriesHash, Reused: true, clock.Elapsed) { HasUnexportedChanges = true };
        }

        if (!force)
            GuardDeveloperWork(tree, state, head, dirty);

        await ResetToBaseAsync(kernelBase, tree, cancellationToken);

        foreach (var (patch, index) in patches.Select((p, i) => (p, i)))
        {
            logger.LogDebug("Applying {Patch}", patch);
            var outcome = await runner.RunAsync(
                GitIdentity.ApplyCommitter(ExternalCommand.Of("git", "am", "-q", "--no-3way", selected.PathOf(patch)).In(tree)),
                cancellationToken: cancellationToken);
            if (!outcome.Succeeded)
            {
                await runner.RunAsync(ExternalCommand.Of("git", "am", "--abort").In(tree), cancellationToken: cancellationToken);
                throw DescribeFailure(kernelBase, selected, index, outcome);
            }
        }

        var commits = await ReadCommitsAsync(kernelBase, tree, patches, cancellationToken);
        var applied = new AppliedSeries(kernelBase, tree, commits, seriesHash, Reused: false, clock.Elapsed);
        JsonState.Write(StatePathFor(kernelBase), new TreeState(kernelBase.BaseRevision, seriesHash, applied.Head, commits)
        {
            AppliedPatches = patches.Count,
            SeriesPatches = series.PatchFiles.Count,
        });
        logger.LogInformation("Applied {Count} patches to {Base} in {Seconds:0.0} s", commits.Count, kernelBase.Description, clock.Elapsed.TotalSeconds);
        return applied;
    }

    /// <summary>The commits between the base and the work tree's HEAD, oldest first.</summary>
    public async Task<IReadOnlyList<(string Sha, string Subject)>> ListTreeCommitsAsync(KernelBase kernelBase, CancellationToken cancellationToken)
    {
        var tree = TreePathFor(kernelBase);
        if (!Directory.Exists(tree))
            throw new SeriesException($"There is no work tree for {kernelBase.Description} yet; run './harness series apply' first.");
        var log = await GitAsync(tree, cancellationToken, "log", "--reverse", "--format=%H%x09%s", $"{kernelBase.BaseRevision}..HEAD");
        return log.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t', 2))
            .Select(parts => (parts[0], parts.Length > 1 ? parts[1] : ""))
            .ToList();
    }

    /// <summary>Records that the developer's commits in the tree are now the series, after an export.</summary>
    public async Task RecordExportAsync(KernelBase kernelBase, SeriesFile series, CancellationToken cancellationToken)
    {
        var tree = TreePathFor(kernelBase);
        var commits = await ReadCommitsAsync(kernelBase, tree, series.PatchFiles, cancellationToken);
        var head = await GitAsync(tree, cancellationToken, "rev-parse", "HEAD");
        JsonState.Write(StatePathFor(kernelBase), new TreeState(kernelBase.BaseRevision, series.ComputeHash(), head, commits));
    }

    private async Task EnsureWorkTreeAsync(KernelBase kernelBase, string tree, CancellationToken cancellationToken)
    {
        if (File.Exists(Path.Combine(tree, ".git")))
            return;

        if (Directory.Exists(tree))
            Directory.Delete(tree, recursive: true);
        Directory.CreateDirectory(paths.Trees);
        logger.LogInformation("Checking out {Base} into the work tree {Tree}", kernelBase.Description, tree);
        await runner.RunCheckedAsync(ExternalCommand.Of("git", "-C", kernelBase.RepositoryPath, "worktree", "prune"), cancellationToken: cancellationToken);
        await runner.RunCheckedAsync(
            ExternalCommand.Of("git", "-C", kernelBase.RepositoryPath, "worktree", "add", "-q", "--detach", tree, kernelBase.BaseRevision),
            cancellationToken: cancellationToken);
    }

    private static void GuardDeveloperWork(string tree, TreeState? state, string head, string dirty)
    {
        if (dirty.Length > 0)
        {
            var files = string.Join(", ", dirty.Split('\n').Take(5).Select(l => l.Length > 3 ? l[3..] : l));
            throw new SeriesException(
                $"The work tree '{tree}' has uncommitted changes ({files}). Commit them and run './harness series export' " +
                "to keep them in kernel-patches/, or pass --force to discard them.");
        }
        if (state is not null && state.Head != head)
        {
            throw new SeriesException(
                $"The work tree '{tree}' is at {head[..12]}, not at the series the harness applied last ({state.Head[..12]}): " +
                "it holds commits that are not in kernel-patches/. Run './harness series export' to keep them, " +
                "or pass --force to discard them.");
        }
    }

    private async Task ResetToBaseAsync(KernelBase kernelBase, string tree, CancellationToken cancellationToken)
    {
        var gitDir = await GitAsync(tree, cancellationToken, "rev-parse", "--git-dir");
        if (Directory.Exists(Path.Combine(tree, gitDir, "rebase-apply")))
            await runner.RunAsync(ExternalCommand.Of("git", "am", "--abort").In(tree), cancellationToken: cancellationToken);
        // checkout rewrites only the files that differ, so the mtimes of files the
        // series does not touch survive and the incremental build stays small.
        await runner.RunCheckedAsync(
            ExternalCommand.Of("git", "checkout", "-q", "-f", "--detach", kernelBase.BaseRevision).In(tree),
            cancellationToken: cancellationToken);
    }

    private async Task<IReadOnlyList<SeriesCommit>> ReadCommitsAsync(
        KernelBase kernelBase, string tree, IReadOnlyList<string> patches, CancellationToken cancellationToken)
    {
        var log = await GitAsync(tree, cancellationToken, "log", "--reverse", "--format=%H%x09%s", $"{kernelBase.BaseRevision}..HEAD");
        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Select((line, i) =>
        {
            var parts = line.Split('\t', 2);
            return new SeriesCommit(parts[0], parts.Length > 1 ? parts[1] : "", i < patches.Count ? patches[i] : "");
        }).ToList();
    }

    private PatchApplyException DescribeFailure(KernelBase kernelBase, SeriesFile series, int index, CommandOutcome outcome)
    {
        var patch = series.PatchFiles[index];
        var output = (outcome.StandardError + outcome.StandardOutput).Trim();
        string? file = null;
        int? line = null;
        string? hunk = null;

        var failed = PatchFailedAt().Match(output);
        if (failed.Success)
        {
            file = failed.Groups["file"].Value;
            line = int.Parse(failed.Groups["line"].Value);
            hunk = PatchHunks.FindHunkHeader(File.ReadAllText(series.PathOf(patch)), file, line.Value);
        }
        else
        {
            var missing = MissingFile().Match(output);
            if (missing.Success)
                file = missing.Groups["file"].Value;
        }

        var after = index == 0 ? "directly on the base" : $"after {series.PatchFiles[index - 1]}";
        var where = (file, hunk, line) switch
        {
            (not null, not null, _) => $": the hunk '{hunk}' of {file} does not match the tree",
            (not null, null, not null) => $": {file} does not match the tree near line {line}",
            (not null, null, null) => $": {file} is not in the tree as the patch expects",
            _ => "",
        };
        var message =
            $"The patch {patch} (number {index + 1} of {series.PatchFiles.Count}) does not apply to {kernelBase.Description}, {after}{where}.\n" +
            "  git am said:\n" + string.Join('\n', output.Split('\n').Select(l => "    " + l)) + "\n" +
            $"  next step: './harness series apply --up-to {index}' gives a work tree with the patches before it; there, 'git am -3 {series.PathOf(patch)}', " +
            "resolve the conflict and 'git am --continue', 'git am' the patches after it, then './harness series export'.";
        logger.LogDebug("git am failed on {Patch}", patch);
        return new PatchApplyException(patch, file, line, hunk, output, message);
    }

    private async Task<string> GitAsync(string tree, CancellationToken cancellationToken, params string[] arguments) =>
        await runner.ReadAsync(ExternalCommand.Of("git", arguments).In(tree), cancellationToken);

    [GeneratedRegex(@"error: patch failed: (?<file>\S+):(?<line>\d+)")]
    private static partial Regex PatchFailedAt();

    [GeneratedRegex(@"error: (?<file>\S+): (does not exist in index|No such file or directory)")]
    private static partial Regex MissingFile();

    private sealed record TreeState(string BaseRevision, string SeriesHash, string Head, IReadOnlyList<SeriesCommit> Commits)
    {
        /// <summary>How many patches of the series the tree got: fewer than the series has after --up-to.</summary>
        public int? AppliedPatches { get; init; }

        public int? SeriesPatches { get; init; }
    }

    /// <summary>
    /// Rejects an export from a tree that got only the first patches of the
    /// series (--up-to): writing it back would delete the patches it lacks.
    /// </summary>
    public void CheckExportable(KernelBase kernelBase)
    {
        var state = JsonState.Read<TreeState>(StatePathFor(kernelBase));
        if (state is { AppliedPatches: { } applied, SeriesPatches: { } total } && applied < total)
        {
            throw new SeriesException(
                $"The work tree has only the first {applied} of the {total} patches (it was applied with --up-to), " +
                $"so exporting it would delete the other {total - applied} from kernel-patches/. " +
                "Apply the rest on top in the work tree ('git am' each remaining patch from kernel-patches/), then export, " +
                "or pass --force to export only what the tree has.");
        }
    }
}
