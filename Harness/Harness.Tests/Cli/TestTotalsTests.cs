using Harness.Cli.Infrastructure;

namespace Harness.Tests.Cli;

public sealed class TestTotalsTests
{
    private static TestTotals ReadAll(string output)
    {
        var totals = new TestTotals();
        foreach (var line in output.Split('\n'))
            totals.Read(line.TrimEnd('\r'));
        return totals;
    }

    [Test]
    public void Counts_add_over_projects()
    {
        var totals = ReadAll("""
            Passed!  - Failed: 0, Passed: 5, Skipped: 1, Total: 6
            Total tests: 10
                 Passed: 7
                 Failed: 2
                Skipped: 1
            """);

        Assert.That((totals.Passed, totals.Failed, totals.Skipped), Is.EqualTo((12, 2, 2)));
    }

    [Test]
    public void Report_names_failed_tests()
    {
        var totals = ReadAll("""
              Passed kselftest/landlock/base_test/abi_version [< 1 ms]
              Failed kselftest/landlock/fs_test/layout1.rule_on_mountpoint [3 ms]
              Error Message:
               guest test failed: not ok 12 layout1.rule_on_mountpoint
            second line of the message
              Stack Trace:
                 at Somewhere()
              Failed Panic_keeps_earlier_results [4 s]
              Stack Trace:
                 at Elsewhere()
            Total tests: 3
                 Passed: 1
                 Failed: 2
            """);

        Assert.That(totals.Failures, Is.EqualTo(new[]
        {
            new FailedTest("kselftest/landlock/fs_test/layout1.rule_on_mountpoint", "guest test failed: not ok 12 layout1.rule_on_mountpoint"),
            new FailedTest("Panic_keeps_earlier_results", null),
        }));
        Assert.That(totals.Report().ToArray(), Is.EqualTo(new[]
        {
            "1 passed, 2 failed, 0 skipped",
            "Failed tests:",
            "  kselftest/landlock/fs_test/layout1.rule_on_mountpoint: guest test failed: not ok 12 layout1.rule_on_mountpoint",
            "  Panic_keeps_earlier_results",
        }));
    }

    [Test]
    public void Report_without_failures_is_counts()
    {
        var totals = ReadAll("Passed!  - Failed: 0, Passed: 3, Skipped: 0, Total: 3");

        Assert.That(totals.Report().ToArray(), Is.EqualTo(new[] { "3 passed, 0 failed, 0 skipped" }));
    }
}
