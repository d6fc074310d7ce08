using Harness.Results;
using Harness.Series;
using Harness.Suites.Ktap;
using Microsoft.Extensions.Logging;

namespace Harness.Runs.Bisect;

/// <summary>What `./harness bisect` does: the run to repeat, and the ends of the range.</summary>
public sealed record BisectOptions
{
    /// <summary>The run each step repeats with its own number of patches: suites, filter, guest size.</summary>
    public required RunOptions Run { get; init; }

    /// <summary>Patches known good; 0 is the base alone.</summary>
    public int Good { get; init; }

    /// <summary>Patches known bad; the whole series when null.</summary>
    public int? Bad { get; init; }
}

/// <summary>
/// Finds the first patch of the series that makes the chosen tests fail. Each
/// step is an ordinary run with the first N patches and its own run folder. The
/// bisect's own log goes to results/bisect-&lt;id&gt;/ and grows with each step.
/// </summary>
public sealed class SeriesBisect(Workspace workspace)
{
    /// <param name="onRunFolder">Called with each step's run folder as soon as it exists, e.g. to log into it.</param>
    public async Task<(BisectResult Result, string LogFolder)> RunAsync(BisectOptions options, Action<RunFolder>? onRunFolder, CancellationToken cancellationToken)
    {
        var logger = workspace.Logger;
        Suites.Catalog.SuiteCatalog.CheckPatterns(workspace.Paths.RepositoryRoot, options.Run.ExtraSuites, options.Run.Suites);
        var series = SeriesFile.Read(workspace.Paths.KernelPatches);
        var bad = options.Bad ?? series.PatchFiles.Count;
        if (series.PatchFiles.Count == 0)
            throw new ArgumentException($"The series in '{series.Directory}' is empty: there is no patch to bisect.");
        if (bad > series.PatchFiles.Count)
            throw new ArgumentException($"--bad {bad} is past the end of the series, which has {series.PatchFiles.Count} patches.");
        if (options.Good < 0 || options.Good >= bad)
            throw new ArgumentException($"--good {options.Good} must be at least 0 and less than the bad end ({bad}).");

        if (options.Run.Filter is null)
            logger.LogWarning("No --filter: every test of the chosen suites decides each step, so a part's own tests fail every step before that part's patches");

        var resultsRoot = options.Run.ResultsRoot ?? workspace.Paths.Results;
        var log = new BisectLog(Path.Combine(resultsRoot, "bisect-" + RunIds.New(DateTimeOffset.Now)), series, options);
        logger.LogInformation("Bisecting patches {Good} to {Bad} of the series; the log is in {Folder}", options.Good + 1, bad, log.Folder);

        BisectResult result;
        try
        {
            result = await BisectSearch.RunAsync(options.Good, bad,
                (upTo, token) => TestAsync(options.Run, upTo, series, onRunFolder, token),
                step =>
                {
                    log.Add(step);
                    logger.LogInformation("bisect: {Patches}: {Verdict} ({Detail})", Describe(series, step.UpTo), step.Verdict.ToString().ToLowerInvariant(), step.Detail);
                },
                cancellationToken);
        }
        catch (OperationCanceledException)
        {
            log.Stop("cancelled by Ctrl+C or SIGTERM");
            throw;
        }
        log.Finish(result);
        return (result, log.Folder);
    }

    /// <summary>Names the last patch of the first <paramref name="upTo"/>, or the base.</summary>
    public static string Describe(SeriesFile series, int upTo) =>
        upTo == 0 ? "the base alone" : $"up to patch {upTo}, {series.PatchFiles[upTo - 1]}";

    private async Task<BisectStep> TestAsync(RunOptions template, int upTo, SeriesFile series, Action<RunFolder>? onRunFolder,
        CancellationToken cancellationToken)
    {
        var options = template with
        {
            Kernel = template.Kernel with { UpTo = upTo },
            KeepVm = false,
            CommandLine = [.. template.CommandLine, $"(bisect step: --up-to {upTo})"],
        };
        RunFolder? folder = null;
        try
        {
            var outcome = await new TestRun(workspace).RunAsync(options, f =>
            {
                folder = f;
                onRunFolder?.Invoke(f);
            }, cancellationToken);
            if (template.Filter is { } filter && !outcome.Counts.AnyRan())
                return new BisectStep(upTo, StepVerdict.Untestable, $"no test id contains '{filter}'", folder?.Path);
            return outcome.Verdict switch
            {
                RunVerdict.Pass => new BisectStep(upTo, StepVerdict.Good, $"{outcome.Counts.Pass} passed", folder?.Path),
                RunVerdict.Fail => new BisectStep(upTo, StepVerdict.Bad, DescribeFailures(outcome), folder?.Path),
                _ => new BisectStep(upTo, StepVerdict.Untestable, outcome.Reason ?? outcome.Verdict.ToKey(), folder?.Path),
            };
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            // A patch in the middle that does not build is what `git bisect skip`
            // is for: the search goes on around it.
            workspace.Logger.LogWarning("bisect: {Patches} could not be tested: {Reason}", Describe(series, upTo), e.Message);
            return new BisectStep(upTo, StepVerdict.Untestable, FirstLine(e.Message), folder?.Path);
        }
    }

    /// <summary>Counts the failures and names the first few, so the log shows what broke at each step.</summary>
    private static string DescribeFailures(RunOutcome outcome)
    {
        var text = $"{outcome.Counts.Failures} failed";
        if (outcome.SplatCount > 0)
            text += $", {outcome.SplatCount} kernel splats";
        var failed = ResultsJson.Read(outcome.Folder.ResultsJson).AllTests()
            .Where(entry => entry.Test.Counted && entry.Test.Status.IsFailure())
            .Select(entry => entry.Test.Id)
            .ToList();
        if (failed.Count == 0)
            return text;
        var named = string.Join(", ", failed.Take(3));
        return failed.Count > 3 ? $"{text}: {named} and {failed.Count - 3} more" : $"{text}: {named}";
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
