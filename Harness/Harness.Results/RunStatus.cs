namespace Harness.Results;

/// <summary>Outcome of one pipeline stage (series, build, image, boot, suites).</summary>
public enum StageStatus
{
    Running,
    Pass,
    Fail,

    /// <summary>Not needed this run: a cache hit, or a stage the command line turned off.</summary>
    Skip,
}

/// <summary>Verdict on a whole run.</summary>
public enum RunVerdict
{
    /// <summary>The run has not completed; the files hold what finished so far.</summary>
    Running,

    /// <summary>The harness stopped before completing the run (an error it caught, or disposal without <see cref="RunRecorder.Complete"/>).</summary>
    Incomplete,

    /// <summary>Somebody stopped the run (Ctrl+C, SIGTERM from a CI timeout) before it completed.</summary>
    Cancelled,

    /// <summary>Every test case passed, or was skipped, expected to fail, or TODO; no kernel splat; no stage failed.</summary>
    Pass,

    /// <summary>A test failed, timed out or errored, a suite failed, or the kernel printed a splat.</summary>
    Fail,

    /// <summary>No test failed but a stage did (a build error, a guest that never booted), so the verdict on the series is unknown.</summary>
    Error,

    /// <summary>
    /// Nothing failed and no test ran: every suite had no tests, or was skipped.
    /// Reported as its own verdict, never as a pass, and not a failure either.
    /// </summary>
    NoTests,
}

public static class RunStatusExtensions
{
    public static string ToKey(this StageStatus status) => status switch
    {
        StageStatus.Running => "running",
        StageStatus.Pass => "pass",
        StageStatus.Fail => "fail",
        StageStatus.Skip => "skip",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown stage status."),
    };

    public static string ToKey(this RunVerdict verdict) => verdict switch
    {
        RunVerdict.Running => "running",
        RunVerdict.Incomplete => "incomplete",
        RunVerdict.Cancelled => "cancelled",
        RunVerdict.Pass => "pass",
        RunVerdict.Fail => "fail",
        RunVerdict.Error => "error",
        RunVerdict.NoTests => "no-tests",
        _ => throw new ArgumentOutOfRangeException(nameof(verdict), verdict, "Unknown run verdict."),
    };

    /// <summary>
    /// Exit status of the harness for a verdict: 0 for Pass and NoTests (a part
    /// without tests does not fail a run), 1 for Fail, 130 for Cancelled (the
    /// shell's code for a process ended by SIGINT), 2 for Error, Incomplete and
    /// Running (no verdict on the series could be reached).
    /// </summary>
    public static int ToExitCode(this RunVerdict verdict) => verdict switch
    {
        RunVerdict.Pass or RunVerdict.NoTests => 0,
        RunVerdict.Fail => 1,
        RunVerdict.Cancelled => 130,
        _ => 2,
    };
}
