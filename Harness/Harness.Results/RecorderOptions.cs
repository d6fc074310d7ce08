namespace Harness.Results;

/// <summary>How often <see cref="RunRecorder"/> rewrites its files while a run is going.</summary>
/// <remarks>
/// Measured on a 2-core machine with a kernel build running beside it, after
/// recording 3000 tests of 10 output lines each. One rewrite of results.json
/// (3.7 MB) took 10–20 ms, of junit.xml (2.2 MB) 20–75 ms, of report.html
/// (2.5 MB) 20–80 ms. Rewriting after every result made recording those 3000 tests take
/// 90 s; with the default intervals the rewrites cost at most about a tenth of
/// one core near the end of such a run, and a harness that is killed loses at
/// most the last second of results.
/// </remarks>
public sealed record RecorderOptions
{
    public static RecorderOptions Default { get; } = new();

    /// <summary>
    /// Minimum time between two rewrites of results.json, junit.xml and summary.md
    /// after a test result. Zero rewrites them after every result. Stage and suite
    /// boundaries, splats and the end of the run always rewrite at once; a result
    /// that arrives sooner is written by a timer when the interval has passed.
    /// </summary>
    public TimeSpan DataInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Minimum time between two rewrites of report.html after a test result; boundaries rewrite it at once.</summary>
    public TimeSpan ReportInterval { get; init; } = TimeSpan.FromSeconds(5);

    public TimeProvider Time { get; init; } = TimeProvider.System;
}
