namespace Harness.Suites.Ktap;

/// <summary>
/// One nesting level: the tests that follow one version line (or one TAP 14
/// indented subtest), all lines of which start with <see cref="Prefix"/>.
/// </summary>
internal sealed class KtapBlock(KtapBlock? parent, string prefix, int openedAtLine, int maxOutputLines)
{
    public KtapBlock? Parent { get; } = parent;
    public string Prefix { get; set; } = prefix;
    public int Depth { get; } = parent is null ? 0 : parent.Depth + 1;
    public int OpenedAtLine { get; } = openedAtLine;

    public string? Version { get; set; }

    /// <summary>True once a version, plan or result line of this level was read.</summary>
    public bool Started { get; set; }

    public int? Plan { get; set; }
    public string? PlanSkipReason { get; set; }
    public bool PlanSkipped { get; set; }

    public int NextNumber { get; set; } = 1;
    public int Reported { get; set; }
    public TestCounts DirectCounts { get; set; } = TestCounts.Empty;
    public int FailedChildren { get; set; }

    /// <summary>Name of the parent test that owns this level, once a header or its result line gave it.</summary>
    public string? Name { get; set; }

    /// <summary>Id segment of the owning test; while null, results of this level wait in <see cref="Buffer"/>.</summary>
    public string? Segment { get; set; }

    public List<PendingResult> Buffer { get; } = [];
    public SegmentAllocator Segments { get; } = new();

    /// <summary>Lines since the previous result of this level (or since the kselftest <c>#  RUN</c> line).</summary>
    public BoundedLines Pending { get; } = new(maxOutputLines);

    /// <summary>Name from the kselftest harness's <c>#  RUN</c> line for the test now running.</summary>
    public string? RunningTest { get; set; }
    public int RunningTestLine { get; set; }

    /// <summary>Name for the next nested level, from a <c># Subtest:</c> or <c># selftests: dir: name</c> line.</summary>
    public string? NextChildName { get; set; }

    /// <summary>Result line of the parent test that closed this level, for messages about tests it cut short.</summary>
    public string? ClosedBy { get; set; }

    public string? BailOutReason { get; set; }
    public int BailOutLine { get; set; }
}

/// <summary>A result whose id is still relative to the level it was reported at.</summary>
internal sealed class PendingResult
{
    public required List<string> Segments { get; init; }
    public required List<string> Names { get; init; }
    public required TestStatus Status { get; init; }
    public string? Directive { get; init; }
    public string? Reason { get; init; }
    public required List<string> Output { get; init; }
    public int? Number { get; init; }
    public int Line { get; init; }
    public int Subtests { get; init; }
    public int FailedSubtests { get; init; }
    public bool Synthesized { get; init; }
    public TimeSpan? Duration { get; set; }
}
