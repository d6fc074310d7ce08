using System.Text.Json.Serialization;

namespace Harness.Suites.Ktap;

/// <summary>Number of tests per status. Immutable, so <see cref="Add"/> returns a copy.</summary>
public sealed record TestCounts
{
    public int Pass { get; init; }
    public int Fail { get; init; }
    public int Skip { get; init; }

    // Spelled like the status keys in JSON, not "xFail".
    [JsonPropertyName("xfail")]
    public int XFail { get; init; }

    [JsonPropertyName("xpass")]
    public int XPass { get; init; }

    public int Todo { get; init; }
    public int Timeout { get; init; }
    public int Error { get; init; }
    public int NoTests { get; init; }

    public static TestCounts Empty { get; } = new();

    public int Total => Pass + Fail + Skip + XFail + XPass + Todo + Timeout + Error + NoTests;

    /// <summary>Returns whether any test ran: a suite or part without tests does not count.</summary>
    public bool AnyRan() => Total > NoTests;

    /// <summary>Tests whose status is a failure (fail, timeout, error).</summary>
    public int Failures => Fail + Timeout + Error;

    public int this[TestStatus status] => status switch
    {
        TestStatus.Pass => Pass,
        TestStatus.Fail => Fail,
        TestStatus.Skip => Skip,
        TestStatus.XFail => XFail,
        TestStatus.XPass => XPass,
        TestStatus.Todo => Todo,
        TestStatus.Timeout => Timeout,
        TestStatus.Error => Error,
        TestStatus.NoTests => NoTests,
        _ => 0,
    };

    public TestCounts Add(TestStatus status, int count = 1) => status switch
    {
        TestStatus.Pass => this with { Pass = Pass + count },
        TestStatus.Fail => this with { Fail = Fail + count },
        TestStatus.Skip => this with { Skip = Skip + count },
        TestStatus.XFail => this with { XFail = XFail + count },
        TestStatus.XPass => this with { XPass = XPass + count },
        TestStatus.Todo => this with { Todo = Todo + count },
        TestStatus.Timeout => this with { Timeout = Timeout + count },
        TestStatus.Error => this with { Error = Error + count },
        TestStatus.NoTests => this with { NoTests = NoTests + count },
        _ => this,
    };

    public TestCounts Add(TestCounts other) => new()
    {
        Pass = Pass + other.Pass,
        Fail = Fail + other.Fail,
        Skip = Skip + other.Skip,
        XFail = XFail + other.XFail,
        XPass = XPass + other.XPass,
        Todo = Todo + other.Todo,
        Timeout = Timeout + other.Timeout,
        Error = Error + other.Error,
        NoTests = NoTests + other.NoTests,
    };

    /// <summary>Counts the results that stand for a test case (see <see cref="TestResult.CountsAsTestCase"/>).</summary>
    public static TestCounts Of(IEnumerable<TestResult> results)
    {
        var counts = Empty;
        foreach (var result in results)
        {
            if (result.CountsAsTestCase)
                counts = counts.Add(result.Status);
        }
        return counts;
    }

    /// <summary>"12 passed, 1 failed, 2 skipped", listing only the statuses that occur.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        void Part(int count, string label)
        {
            if (count > 0)
                parts.Add($"{count} {label}");
        }

        Part(Pass, "passed");
        Part(Fail, "failed");
        Part(Error, "errors");
        Part(Timeout, "timed out");
        Part(Skip, "skipped");
        Part(XFail, "expected failures");
        Part(XPass, "unexpected passes");
        Part(Todo, "todo");
        Part(NoTests, "with no tests");
        return parts.Count == 0 ? "no tests" : string.Join(", ", parts);
    }
}
