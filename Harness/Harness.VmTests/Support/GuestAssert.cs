using System.Text;
using Harness.Runs;
using Harness.Suites.Ktap;
using Harness.Suites.Splats;

namespace Harness.VmTests.Support;

/// <summary>Turns a guest test's result into the NUnit outcome of its case.</summary>
public static class GuestAssert
{
    /// <summary>
    /// Passes for pass, xfail, xpass and todo. Marks the case ignored, with the
    /// guest's reason, for a skip. Fails with the guest's output and any kernel
    /// splat excerpt for fail, timeout, error and no tests.
    /// </summary>
    public static void Outcome(GuestTestResult? result, string id)
    {
        if (result is null)
        {
            Assert.Fail($"The guest printed no result for {id}: the program ran, but this test was not in its output. " +
                        "The test list at discovery and the program disagree; rebuild and run again.");
            return;
        }

        var status = result.Result.Status;
        switch (status)
        {
            case TestStatus.Pass or TestStatus.XFail or TestStatus.XPass or TestStatus.Todo when result.Splats.Count == 0:
                return;
            case TestStatus.Skip when result.Splats.Count == 0:
                Assert.Ignore($"skipped in the guest: {result.Result.Reason ?? "no reason given"}");
                return;
            default:
                Assert.Fail(Describe(result));
                return;
        }
    }

    public static string Describe(GuestTestResult result)
    {
        var text = new StringBuilder();
        text.Append(result.Result.Id).Append(": ").Append(result.Result.Status.ToKey());
        if (result.Result.Reason is { Length: > 0 } reason)
            text.Append(" (").Append(reason.Trim()).Append(')');
        text.AppendLine();
        if (result.Result.Output.Count > 0)
        {
            text.AppendLine("guest output:");
            foreach (var line in result.Result.Output)
                text.Append("  ").AppendLine(line);
        }
        foreach (var splat in result.Splats)
        {
            text.AppendLine(SplatFailure.Message(splat, result.Result.Id));
            foreach (var line in splat.Excerpt)
                text.Append("  ").AppendLine(line);
        }
        return text.ToString().TrimEnd();
    }
}
