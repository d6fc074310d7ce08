using System.Diagnostics;
using Harness.Core;
using Harness.Series;
using Microsoft.Extensions.Logging;

namespace Harness.Build;

/// <summary>
/// Configures and builds the kernel out of tree: tinyconfig plus the fragments,
/// a check that every symbol survived olddefconfig, then bzImage and the uapi
/// headers, through ccache.
/// </summary>
/// <remarks>
/// The build directory is keyed by the base and the config, not by the series:
/// keying it by the series would turn every edit of a patch, and every bisect
/// step, into a build from scratch. Make's own dependency tracking handles a
/// changed series incrementally, and the stamp file records which series the
/// directory last built.
/// </remarks>
public sealed class KernelBuilder(HarnessPaths paths, CommandRunner runner, ILogger logger)
{
    private const string StampFile = "harness-build.json";
    private const string LogFile = "build.log";

    public string BuildDirectoryFor(KernelBase kernelBase, KernelConfigSet config) =>
        Path.Combine(paths.Builds, $"{kernelBase.Id}-{config.ComputeHash()[..12]}");

    /// <param name="jobs">make -j; defaults to the number of CPUs.</param>
    /// <param name="onProgress">Gets the fraction done (0 to 1, estimated from the last build) and the current step.</param>
    public async Task<KernelBuild> BuildAsync(
        AppliedSeries series,
        KernelConfigSet config,
        int? jobs = null,
        Action<double?, string>? onProgress = null,
        CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var buildDirectory = BuildDirectoryFor(series.Base, config);
        Directory.CreateDirectory(buildDirectory);
        using var buildLock = await FileLock.AcquireAsync(buildDirectory + ".lock", TimeSpan.FromHours(2),
            () => logger.LogInformation("Waiting for another harness process to finish building in {Directory}", buildDirectory),
            cancellationToken);

        // The work tree is shared by every checkout that builds this base, so it
        // is held for the whole build: another harness process applying a
        // different series in the middle would leave a build of neither.
        using var treeLock = await FileLock.AcquireAsync(Path.Combine(paths.Trees, series.Base.Id + ".lock"), TimeSpan.FromHours(2),
            () => logger.LogInformation("Waiting for another harness process to release the work tree {Tree}", series.TreePath),
            cancellationToken);
        var treeHead = await runner.ReadAsync(ExternalCommand.Of("git", "rev-parse", "HEAD").In(series.TreePath), cancellationToken);
        if (treeHead != series.Head && !series.HasUnexportedChanges)
        {
            throw new KernelBuildException(
                $"The work tree '{series.TreePath}' is at {treeHead[..12]}, not at the series applied a moment ago ({series.Head[..12]}): " +
                "another harness process applied a different series to it in between. Run the command again.");
        }

        var logPath = Path.Combine(buildDirectory, LogFile);
        var configHash = config.ComputeHash();
        var stamp = JsonState.Read<BuildStamp>(Path.Combine(buildDirectory, StampFile));
        var image = Path.Combine(buildDirectory, "arch", "x86", "boot", "bzImage");
        var headers = Path.Combine(buildDirectory, "usr", "include");
        var treeClean = (await runner.ReadAsync(
            ExternalCommand.Of("git", "status", "--porcelain", "--untracked-files=no").In(series.TreePath), cancellationToken)).Length == 0;

        if (stamp is not null && stamp.ConfigHash == configHash && stamp.TreeHead == series.Head && treeClean
            && File.Exists(image) && Directory.Exists(headers))
        {
            logger.LogInformation("The kernel in {Directory} is up to date", buildDirectory);
            return new KernelBuild(buildDirectory, PublishImage(buildDirectory, image), headers, configHash, stamp.KernelRelease, logPath, true, clock.Elapsed);
        }

        File.WriteAllText(logPath, "");
        if (stamp?.ConfigHash != configHash || !File.Exists(Path.Combine(buildDirectory, ".config")))
        {
            onProgress?.Invoke(null, "configuring");
            await ConfigureAsync(series, config, buildDirectory, logPath, cancellationToken);
        }

        var expected = stamp?.CompileSteps;
        var steps = 0;
        onProgress?.Invoke(0, "compiling");
        var make = Make(series.TreePath, buildDirectory, logPath, "-j" + (jobs ?? Environment.ProcessorCount), "bzImage", "headers_install");
        var outcome = await runner.RunAsync(make, line =>
        {
            if (!IsCompileStep(line))
                return;
            steps++;
            onProgress?.Invoke(expected is > 0 ? Math.Min(0.99, steps / (double)expected.Value) : null, line.Trim());
        }, cancellationToken);

        if (!outcome.Succeeded)
            throw await DescribeFailureAsync(series, buildDirectory, logPath, outcome, cancellationToken);

        var release = (await File.ReadAllTextAsync(Path.Combine(buildDirectory, "include", "config", "kernel.release"), cancellationToken)).Trim();
        JsonState.Write(Path.Combine(buildDirectory, StampFile), new BuildStamp(configHash, series.Head, series.SeriesHash,
            release, steps > 20 ? steps : stamp?.CompileSteps ?? steps));
        logger.LogInformation("Built {Release} in {Seconds:0} s ({Steps} compile steps)", release, clock.Elapsed.TotalSeconds, steps);
        return new KernelBuild(buildDirectory, PublishImage(buildDirectory, image), headers, configHash, release, logPath, false, clock.Elapsed);
    }

    /// <summary>
    /// What a run that built nothing keeps as its build log: a line saying so,
    /// then the log of the build that made the kernel. That log is left out when
    /// a build failed in the directory after it, because it is then the failed
    /// build's log and not this kernel's.
    /// </summary>
    public static string UpToDateLog(KernelBuild build)
    {
        var text = new System.Text.StringBuilder()
            .AppendLine(System.FormattableString.Invariant($"harness: nothing was built: the kernel in {build.BuildDirectory} was up to date (config {build.ConfigHash}, release {build.KernelRelease})."));
        // NOTE: the log is read after the build lock is released, so a build
        // another checkout finishes in between would be shown instead.
        var stamp = new FileInfo(Path.Combine(build.BuildDirectory, StampFile));
        var log = new FileInfo(build.LogPath);
        if (log.Exists && stamp.Exists && log.LastWriteTimeUtc <= stamp.LastWriteTimeUtc)
            text.AppendLine("harness: the log of the build that made it follows.").AppendLine().Append(File.ReadAllText(log.FullName));
        else
            text.AppendLine("harness: the log of the build that made it is gone: a later build in the same directory replaced it.");
        return text.ToString();
    }

    /// <summary>
    /// Copies bzImage to a file named by its content hash, while the build lock is
    /// held. Every checkout shares the build directory, so another harness process
    /// may rebuild arch/x86/boot/bzImage with another series while this one boots.
    /// The copy stays the kernel this build made.
    /// </summary>
    private static string PublishImage(string buildDirectory, string image)
    {
        var directory = Directory.CreateDirectory(Path.Combine(buildDirectory, "harness-images")).FullName;
        string hash;
        using (var stream = File.OpenRead(image))
            hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream))[..12];
        var published = Path.Combine(directory, $"bzImage-{hash}");
        if (!File.Exists(published))
        {
            File.Copy(image, published + ".tmp", overwrite: true);
            File.Move(published + ".tmp", published, overwrite: true);
        }
        File.SetLastWriteTimeUtc(published, DateTime.UtcNow);

        const int kept = 8;
        foreach (var old in new DirectoryInfo(directory).GetFiles("bzImage-*").OrderByDescending(f => f.LastWriteTimeUtc).Skip(kept))
            old.Delete();
        return published;
    }

    private async Task ConfigureAsync(AppliedSeries series, KernelConfigSet config, string buildDirectory, string logPath, CancellationToken cancellationToken)
    {
        logger.LogInformation("Configuring: tinyconfig plus {Count} fragments", config.Fragments.Count);
        await RunMakeAsync(Make(series.TreePath, buildDirectory, logPath, "tinyconfig"), cancellationToken);

        var merge = new List<string> { "-m", "-O", buildDirectory, Path.Combine(buildDirectory, ".config") };
        merge.AddRange(config.Fragments.Select(f => f.Path));
        await runner.RunCheckedAsync(
            ExternalCommand.Of(Path.Combine(series.TreePath, "scripts", "kconfig", "merge_config.sh"), merge.ToArray())
                .In(series.TreePath).WithLog(logPath),
            cancellationToken: cancellationToken);
        await RunMakeAsync(Make(series.TreePath, buildDirectory, logPath, "olddefconfig"), cancellationToken);

        var dotConfig = Path.Combine(buildDirectory, ".config");
        var mismatches = ConfigCheck.Compare(config, dotConfig, series.TreePath);
        foreach (var waived in mismatches.Where(m => m.Waiver is not null))
            logger.LogInformation("{Symbol} is not set as {Source} asks; waived: {Reason}", waived.Request.Symbol, waived.Request.Source, waived.Waiver);
        var errors = mismatches.Where(m => m.Waiver is null).ToList();
        if (errors.Count > 0)
        {
            // Leave no .config behind that a later run could mistake for a checked one.
            File.Move(dotConfig, dotConfig + ".rejected", overwrite: true);
            throw new KernelBuildException(ConfigCheck.Describe(errors, dotConfig + ".rejected"));
        }
    }

    private async Task RunMakeAsync(ExternalCommand make, CancellationToken cancellationToken) =>
        await runner.RunCheckedAsync(make, cancellationToken: cancellationToken);

    private ExternalCommand Make(string tree, string buildDirectory, string logPath, params string[] targets)
    {
        var arguments = new List<string> { "-C", tree, $"O={buildDirectory}", "CC=ccache gcc", "HOSTCC=ccache gcc" };
        arguments.AddRange(targets);
        return new ExternalCommand("make", arguments)
            .WithLog(logPath)
            .WithEnvironment("CCACHE_DIR", paths.Ccache)
            // Paths under the cache root are hashed relative to the build
            // directory, so a build directory with another key still hits.
            .WithEnvironment("CCACHE_BASEDIR", paths.CacheRoot)
            .WithEnvironment("CCACHE_NOHASHDIR", "1")
            .WithEnvironment("CCACHE_COMPILERCHECK", "content")
            .WithEnvironment("CCACHE_MAXSIZE", "8G")
            .WithEnvironment("KBUILD_BUILD_TIMESTAMP", "2000-01-01")
            .WithEnvironment("KBUILD_BUILD_USER", "harness")
            .WithEnvironment("KBUILD_BUILD_HOST", "harness");
    }

    private static bool IsCompileStep(string line) =>
        line.StartsWith("  CC ", StringComparison.Ordinal) || line.StartsWith("  AS ", StringComparison.Ordinal)
        || line.StartsWith("  LD ", StringComparison.Ordinal) || line.StartsWith("  AR ", StringComparison.Ordinal);

    private async Task<KernelBuildException> DescribeFailureAsync(
        AppliedSeries series, string buildDirectory, string logPath, CommandOutcome outcome, CancellationToken cancellationToken)
    {
        var errors = BuildLogAnalyzer.FindErrors(File.ReadLines(logPath), series.TreePath, buildDirectory).ToList();
        for (var i = 0; i < errors.Count; i++)
            errors[i] = errors[i] with { PatchFile = await FindPatchAsync(series, errors[i].File, cancellationToken) };

        var text = new System.Text.StringBuilder();
        if (errors.Count == 0)
        {
            text.AppendLine($"The kernel build failed (make exited with {outcome.ExitCode}) and no compiler error was recognised in the log.");
            foreach (var line in outcome.Tail)
                text.AppendLine("    " + line);
        }
        else
        {
            text.AppendLine($"The kernel build failed with {errors.Count} error(s):");
            foreach (var error in errors.Take(20))
            {
                var where = error.Line is null ? error.File : $"{error.File}:{error.Line}" + (error.Column is null ? "" : $":{error.Column}");
                var blame = error.PatchFile is null ? "" : $"  (last changed by {error.PatchFile})";
                text.AppendLine($"  {where}: {error.Message}{blame}");
            }
        }
        text.AppendLine($"  command: {outcome.Command.ToShellString()}");
        text.Append($"  full log: '{logPath}'");
        return new KernelBuildException(text.ToString(), errors);
    }

    /// <summary>The patch of the series that last changed <paramref name="file"/>, or null if none did.</summary>
    private async Task<string?> FindPatchAsync(AppliedSeries series, string file, CancellationToken cancellationToken)
    {
        if (series.Commits.Count == 0 || Path.IsPathRooted(file))
            return null;
        var outcome = await runner.RunAsync(
            ExternalCommand.Of("git", "log", "-1", "--format=%H", $"{series.Base.BaseRevision}..HEAD", "--", file).In(series.TreePath),
            cancellationToken: cancellationToken);
        var sha = outcome.StandardOutput.Trim();
        return series.Commits.FirstOrDefault(c => c.Sha == sha)?.PatchFile;
    }

    private sealed record BuildStamp(string ConfigHash, string TreeHead, string SeriesHash, string KernelRelease, int CompileSteps);
}
