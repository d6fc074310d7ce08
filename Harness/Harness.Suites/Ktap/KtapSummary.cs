namespace Harness.Suites.Ktap;

/// <summary>Something in the output that does not follow KTAP, with the 1-based line it was found on.</summary>
public sealed record KtapProblem(int Line, string Message)
{
    public override string ToString() => $"line {Line}: {Message}";
}

/// <summary>Why the parser stopped expecting results.</summary>
public enum KtapEnd
{
    /// <summary>Every test that was announced reported.</summary>
    Complete,

    /// <summary>The stream ended while tests were still announced or running.</summary>
    OutputEnded,

    /// <summary>The caller reported that the output was cut off (the guest died, the connection dropped).</summary>
    OutputCutOff,

    /// <summary>The top-level test program printed <c>Bail out!</c>.</summary>
    BailedOut,

    /// <summary>The kernel printed <c>Kernel panic - not syncing</c>.</summary>
    KernelPanic,
}

/// <summary>What <see cref="KtapStreamParser.Complete"/> returns about the stream as a whole.</summary>
public sealed record KtapSummary
{
    /// <summary>
    /// Overall status of the top level: Error when it ended early (bail out, panic,
    /// cut-off output with tests missing), Fail when a test failed, NoTests when
    /// the plan was <c>1..0</c> or nothing reported, Skip for <c>1..0 # SKIP</c>,
    /// otherwise Pass.
    /// </summary>
    public required TestStatus Status { get; init; }

    /// <summary>Why <see cref="Status"/> is what it is, when it is not a plain pass or fail.</summary>
    public string? Reason { get; init; }

    public required KtapEnd End { get; init; }

    /// <summary>Version line of the top level as printed ("KTAP version 1", "TAP version 13"), or null.</summary>
    public string? Version { get; init; }

    /// <summary>Top-level plan count, or null when there was none.</summary>
    public int? Plan { get; init; }

    /// <summary>Counts over every result that counts as a test case, at all levels.</summary>
    public required TestCounts Counts { get; init; }

    /// <summary>Number of results delivered to the callback, parents included.</summary>
    public int Results { get; init; }

    public required IReadOnlyList<KtapProblem> Problems { get; init; }

    /// <summary>Lines that belong to no test: preamble, kselftest totals, kernel messages outside tests.</summary>
    public required IReadOnlyList<string> Output { get; init; }

    public int LinesRead { get; init; }

    /// <summary>Text after <c>Bail out!</c> at the top level, when it bailed out.</summary>
    public string? BailOutReason { get; init; }

    /// <summary>The <c>Kernel panic - not syncing</c> line, when the kernel panicked.</summary>
    public string? PanicLine { get; init; }
}
