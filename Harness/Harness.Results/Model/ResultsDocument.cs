using Harness.Suites.Ktap;
using Harness.Suites.Splats;

namespace Harness.Results;

/// <summary>
/// Contents of results.json, and the model every report is written from.
/// SCHEMA.md next to this project describes each field.
/// </summary>
public sealed record ResultsDocument
{
    public const string CurrentSchema = "harness-results/1";

    public string Schema { get; init; } = CurrentSchema;
    public required string RunId { get; init; }
    public required RunVerdict Status { get; init; }

    /// <summary>Why the verdict is what it is, in one sentence; null for a plain pass.</summary>
    public string? StatusReason { get; init; }

    /// <summary>Exit status the harness returns for <see cref="Status"/>; see <see cref="RunStatusExtensions.ToExitCode"/>.</summary>
    public int ExitCode { get; init; }

    public required DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Time the file was written; for a run that died, the last moment it was known alive.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    public IReadOnlyList<string> CommandLine { get; init; } = [];
    public string? BaseVersion { get; init; }
    public IReadOnlyList<PatchInfo> Series { get; init; } = [];
    public string? ProjectCommit { get; init; }
    public bool ProjectChanged { get; init; }
    public string? ConfigHash { get; init; }
    public string? Accelerator { get; init; }
    public string? QemuVersion { get; init; }
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<StageRecord> Stages { get; init; } = [];
    public IReadOnlyList<SuiteRecord> Suites { get; init; } = [];

    /// <summary>Splats attributed to no suite: during boot, between suites, or after the last one.</summary>
    public IReadOnlyList<SplatRecord> Splats { get; init; } = [];

    /// <summary>Test cases over all suites (see <see cref="TestRecord.Counted"/>).</summary>
    public TestCounts Counts { get; init; } = TestCounts.Empty;

    /// <summary>Splats anywhere in the run: in tests, suites and outside them.</summary>
    public int SplatCount { get; init; }

    public IReadOnlyList<ArtifactRecord> Artifacts { get; init; } = [];

    /// <summary>Every test of every suite, with its suite.</summary>
    public IEnumerable<(SuiteRecord Suite, TestRecord Test)> AllTests() =>
        Suites.SelectMany(suite => suite.Tests.Select(test => (suite, test)));
}

public sealed record StageRecord
{
    public required string Name { get; init; }
    public required StageStatus Status { get; init; }
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Null while the stage is running.</summary>
    public double? DurationSeconds { get; init; }

    public string? Message { get; init; }
}

public sealed record SuiteRecord
{
    public required string Name { get; init; }

    /// <summary>From the suite's test cases unless the runner set it; NoTests when it has none.</summary>
    public required TestStatus Status { get; init; }

    public string? Reason { get; init; }

    /// <summary>False while the suite is still running.</summary>
    public bool Finished { get; init; }

    public DateTimeOffset? StartedAt { get; init; }
    public double? DurationSeconds { get; init; }
    public TestCounts Counts { get; init; } = TestCounts.Empty;
    public IReadOnlyList<TestRecord> Tests { get; init; } = [];

    /// <summary>Splats during the suite that no test was running for, or whose test never reported.</summary>
    public IReadOnlyList<SplatRecord> Splats { get; init; } = [];

    /// <summary>Lines of the suite's output that belong to no test (preamble, totals).</summary>
    public IReadOnlyList<string> Output { get; init; } = [];

    /// <summary>What the KTAP parser found wrong in the output, "line N: message".</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];
}

public sealed record TestRecord
{
    public required string Id { get; init; }
    public required IReadOnlyList<string> Path { get; init; }

    /// <summary>Status after splats: a test that had a kernel splat fails whatever it reported.</summary>
    public required TestStatus Status { get; init; }

    /// <summary>Status the test reported, when a splat changed it; otherwise null.</summary>
    public TestStatus? ReportedStatus { get; init; }

    public string? Directive { get; init; }
    public string? Reason { get; init; }
    public double? DurationSeconds { get; init; }
    public int? Number { get; init; }
    public int Subtests { get; init; }
    public int FailedSubtests { get; init; }

    /// <summary>Whether totals and junit.xml count it: leaves, and parents that failed on their own.</summary>
    public bool Counted { get; init; }

    /// <summary>True when the parser created the result because the test never printed one.</summary>
    public bool Synthesized { get; init; }

    public IReadOnlyList<string> Output { get; init; } = [];
    public IReadOnlyList<SplatRecord> Splats { get; init; } = [];
}

public sealed record SplatRecord
{
    public required SplatKind Kind { get; init; }
    public required string Title { get; init; }

    /// <summary>The failure message this splat gives its test (see <see cref="SplatFailure.Message"/>).</summary>
    public required string Message { get; init; }

    public int Line { get; init; }
    public double? KernelTimeSeconds { get; init; }
    public DateTimeOffset SeenAt { get; init; }
    public bool Truncated { get; init; }

    /// <summary>The test the runner attributed it to, when that test never reported and the splat sits at suite level.</summary>
    public string? TestId { get; init; }

    public IReadOnlyList<string> Excerpt { get; init; } = [];
}

public sealed record ArtifactRecord
{
    /// <summary>console-log, dmesg or build-log.</summary>
    public required string Kind { get; init; }

    /// <summary>File name relative to the run folder.</summary>
    public required string Path { get; init; }

    public bool Present { get; init; }
    public long? SizeBytes { get; init; }
}
