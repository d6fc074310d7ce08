using Harness.Suites.Ktap;

namespace Harness.Results;

/// <summary>Facts the runner reports about a suite when it ends, beyond its tests' results.</summary>
public sealed record SuiteOutcome
{
    /// <summary>Replaces the status computed from the tests; null keeps the computed one.</summary>
    public TestStatus? Status { get; init; }

    public string? Reason { get; init; }

    /// <summary>Lines of output that belong to no test.</summary>
    public IReadOnlyList<string> Output { get; init; } = [];

    /// <summary>Problems in the suite's KTAP output, "line N: message".</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>
    /// Builds an outcome from the parser's summary. Its status and reason are kept
    /// only when the tests cannot show them: an output that ended early or bailed
    /// out (Error), a <c>1..0 # SKIP</c> plan (Skip), no tests at all (NoTests).
    /// Otherwise the recorder computes both from the tests, splats included.
    /// </summary>
    public static SuiteOutcome FromKtap(KtapSummary summary)
    {
        var keep = summary.Status is TestStatus.Error or TestStatus.Skip or TestStatus.NoTests;
        return new SuiteOutcome
        {
            Status = keep ? summary.Status : null,
            Reason = keep ? summary.Reason : null,
            Output = summary.Output,
            Problems = summary.Problems.Select(problem => problem.ToString()).ToArray(),
        };
    }
}
