namespace Harness.Suites.Ktap;

/// <summary>
/// Outcome of one test, from its KTAP result line, its directive, or what the
/// parser had to conclude when no result line came.
/// </summary>
public enum TestStatus
{
    /// <summary><c>ok</c> without a directive.</summary>
    Pass,

    /// <summary><c>not ok</c> without a directive, or a parent with a failing subtest.</summary>
    Fail,

    /// <summary>SKIP directive (with <c>ok</c> or <c>not ok</c>).</summary>
    Skip,

    /// <summary>XFAIL directive: the test failed and was expected to.</summary>
    XFail,

    /// <summary>
    /// XPASS directive, printed by kselftest for a test marked as expected to fail
    /// that passed. kselftest's own exit status counts it as a success, so it is
    /// not a failure here either.
    /// </summary>
    XPass,

    /// <summary>TODO directive: a known-broken test. Not counted as a failure, whatever its ok/not ok.</summary>
    Todo,

    /// <summary>TIMEOUT directive.</summary>
    Timeout,

    /// <summary>
    /// ERROR directive, or a test the output announced (in a plan or with a
    /// kselftest <c>#  RUN</c> line) that never printed a result.
    /// </summary>
    Error,

    /// <summary>A test whose subtest plan is <c>1..0</c> or that contains no tests. Never a pass.</summary>
    NoTests,
}

public static class TestStatusExtensions
{
    /// <summary>Fail, Timeout and Error; every other status leaves a run green.</summary>
    public static bool IsFailure(this TestStatus status) =>
        status is TestStatus.Fail or TestStatus.Timeout or TestStatus.Error;

    /// <summary>
    /// Lower-case name used in results.json, junit.xml and the HTML report:
    /// pass, fail, skip, xfail, xpass, todo, timeout, error, no-tests.
    /// </summary>
    public static string ToKey(this TestStatus status) => status switch
    {
        TestStatus.Pass => "pass",
        TestStatus.Fail => "fail",
        TestStatus.Skip => "skip",
        TestStatus.XFail => "xfail",
        TestStatus.XPass => "xpass",
        TestStatus.Todo => "todo",
        TestStatus.Timeout => "timeout",
        TestStatus.Error => "error",
        TestStatus.NoTests => "no-tests",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown test status."),
    };

    public static bool TryParseKey(string key, out TestStatus status)
    {
        foreach (var candidate in Enum.GetValues<TestStatus>())
        {
            if (candidate.ToKey() == key)
            {
                status = candidate;
                return true;
            }
        }
        status = default;
        return false;
    }

    /// <summary>
    /// Sort rank for reports, most urgent first: error, fail, timeout, then the
    /// statuses a reader may want to look at (xpass, no-tests, skip, todo, xfail),
    /// then pass.
    /// </summary>
    public static int Urgency(this TestStatus status) => status switch
    {
        TestStatus.Error => 0,
        TestStatus.Fail => 1,
        TestStatus.Timeout => 2,
        TestStatus.XPass => 3,
        TestStatus.NoTests => 4,
        TestStatus.Skip => 5,
        TestStatus.Todo => 6,
        TestStatus.XFail => 7,
        _ => 8,
    };
}
