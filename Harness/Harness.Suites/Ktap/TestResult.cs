namespace Harness.Suites.Ktap;

/// <summary>
/// The result of one test or parent test, as the KTAP parser reports it the
/// moment its result line (and any YAML block after it) has been read.
/// </summary>
public sealed record TestResult
{
    /// <summary>
    /// Stable path of names, <c>prefix/suite/test/subtest</c>; see <see cref="TestIds"/>
    /// for how names become path segments.
    /// </summary>
    public required string Id { get; init; }

    /// <summary>Names as printed (trimmed), outermost first, without the caller's id prefix.</summary>
    public required IReadOnlyList<string> NamePath { get; init; }

    public string Name => NamePath.Count > 0 ? NamePath[^1] : "";

    public required TestStatus Status { get; init; }

    /// <summary>Directive keyword as printed, upper-cased (SKIP, TODO, XFAIL, XPASS, TIMEOUT, ERROR), or null.</summary>
    public string? Directive { get; init; }

    /// <summary>
    /// Text after the directive (or after <c>#</c> when there is no directive), or
    /// the parser's explanation for a result it had to create.
    /// </summary>
    public string? Reason { get; init; }

    /// <summary>Wall time of the test when known. KTAP does not carry it; TAP 14 YAML <c>duration_ms</c> does.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>
    /// Lines that belong to this test, with console timestamps and nesting prefixes
    /// removed; excludes the result line itself. Bounded by
    /// <see cref="KtapParserOptions.MaxOutputLinesPerTest"/>.
    /// </summary>
    public IReadOnlyList<string> Output { get; init; } = [];

    /// <summary>Test number from the result line; null for a result the parser created without one.</summary>
    public int? Number { get; init; }

    /// <summary>Line of the stream (1-based) the result came from, or where the parser gave up waiting for it.</summary>
    public int Line { get; init; }

    /// <summary>Direct subtests reported (or created by the parser) under this test.</summary>
    public int Subtests { get; init; }

    /// <summary>Direct subtests whose status is a failure.</summary>
    public int FailedSubtests { get; init; }

    /// <summary>
    /// True when the test never printed a result and the parser created this one:
    /// the output ended, the kernel panicked, or the program bailed out first.
    /// </summary>
    public bool Synthesized { get; init; }

    /// <summary>
    /// Whether totals and JUnit count this result as a test case. A parent whose
    /// status only summarizes its subtests is left out, so nothing is counted twice.
    /// A parent that failed although none of its subtests did is kept, so its
    /// failure is not hidden.
    /// </summary>
    public bool CountsAsTestCase => Subtests == 0 || (Status.IsFailure() && FailedSubtests == 0);
}
