using System.Text;
using LandlockSelftests.Native;

namespace LandlockSelftests.Framework;

/// <summary>
/// Runs tests the way kselftest_harness.h does: each in a child process of
/// its own, with the same KTAP output and the same exit codes.
/// </summary>
/// <remarks>
/// kselftest forks per test. A .NET process cannot fork safely once the
/// runtime has threads, so the runner starts this program again with
/// <c>--run-one NAME</c>. The child reports a skip or failure reason on file
/// descriptor 3 and its verdict in its exit status: 0 pass, 1 fail, 4 skip.
/// </remarks>
internal static class TestRunner
{
    public const int KsftPass = 0;
    public const int KsftFail = 1;
    public const int KsftSkip = 4;

    public static int RunAll(IReadOnlyList<TestCase> tests, TimeSpan timeout, string noTestReason)
    {
        var stdout = Console.Out;
        if (Environment.GetEnvironmentVariable("KSFT_TAP_LEVEL") is null)
        {
            stdout.WriteLine("TAP version 13");
        }

        if (tests.Count == 0)
        {
            stdout.WriteLine($"1..0 # SKIP {noTestReason}");
            return KsftSkip;
        }

        var caseCount = tests.Select(test => test.Part).Distinct().Count();
        stdout.WriteLine($"1..{tests.Count}");
        stdout.WriteLine($"# Starting {tests.Count} tests from {caseCount} test cases.");

        var self = Environment.ProcessPath ?? "/proc/self/exe";
        int pass = 0, fail = 0, skip = 0;
        for (var i = 0; i < tests.Count; i++)
        {
            var verdict = RunInChild(self, tests[i], timeout);
            switch (verdict.Code)
            {
                case KsftPass: pass++; break;
                case KsftSkip: skip++; break;
                default: fail++; break;
            }

            stdout.WriteLine($"#          {(verdict.Code == KsftFail ? "FAIL" : "  OK")}  {tests[i].FullName}");
            stdout.WriteLine(FormatResultLine(i + 1, tests[i].FullName, verdict));
        }

        stdout.WriteLine($"# {(fail > 0 ? "FAILED" : "PASSED")}: {pass + skip} / {tests.Count} tests passed.");
        if (skip > 0)
        {
            stdout.WriteLine($"# {skip} skipped test(s) detected. Consider enabling relevant config options to improve coverage.");
        }

        stdout.WriteLine($"# Totals: pass:{pass} fail:{fail} xfail:0 xpass:0 skip:{skip} error:0");

        // kselftest_harness.h exits 0 when all tests were skipped. Exit code
        // 4 (KSFT_SKIP), which the kselftest runner also reads as "skipped",
        // distinguishes a run that tested nothing from a run that passed.
        if (fail > 0)
        {
            return KsftFail;
        }

        return skip == tests.Count ? KsftSkip : KsftPass;
    }

    /// <summary>The end of one test: a kselftest exit code, a reason and an optional TAP directive.</summary>
    private sealed record Verdict(int Code, string? Reason, string? Directive = null);

    private static Verdict RunInChild(string self, TestCase test, TimeSpan timeout)
    {
        Console.Out.WriteLine($"#  RUN           {test.FullName} ...");
        var outcome = ChildProcess.Spawn(
            [self, "--run-one", test.Name, "--report-fd", ChildProcess.ReportFd.ToString()],
            timeout,
            new SpawnOptions(CaptureOutput: false, ReportPipe: true, NewProcessGroup: true));
        var reason = outcome.Report.Trim();

        if (outcome.TimedOut)
        {
            Console.Error.WriteLine($"# {test.Name}: Test terminated by timeout");
            return new Verdict(KsftFail, null, $"TIMEOUT {timeout.TotalSeconds:0} seconds");
        }

        if (outcome.Signal is { } signal)
        {
            Console.Error.WriteLine($"# {test.Name}: Test terminated unexpectedly by signal {signal}");
            return new Verdict(KsftFail, null);
        }

        switch (outcome.ExitCode)
        {
            case KsftPass:
                return new Verdict(KsftPass, null);
            case KsftSkip:
                return new Verdict(KsftSkip, reason.Length > 0 ? reason : "unknown");
            case KsftFail:
                Console.Error.WriteLine($"# {test.Name}: Test failed");
                return new Verdict(KsftFail, reason.Length > 0 ? reason : null);
            default:
                Console.Error.WriteLine($"# {test.Name}: Test exited with unexpected code {outcome.ExitCode}");
                return new Verdict(KsftFail, null);
        }
    }

    /// <summary>Formats a result line as ksft_test_result_code() prints it.</summary>
    private static string FormatResultLine(int number, string fullName, Verdict verdict)
    {
        var line = new StringBuilder();
        line.Append(verdict.Code == KsftFail ? "not ok " : "ok ").Append(number).Append(' ').Append(fullName);
        if (verdict.Code == KsftSkip)
        {
            line.Append(" # SKIP ").Append(verdict.Reason);
        }
        else if (verdict.Directive is not null)
        {
            line.Append(" # ").Append(verdict.Directive);
        }
        else if (verdict.Reason is not null)
        {
            // kselftest puts two spaces after '#' when a message has no directive.
            line.Append(" #  ").Append(verdict.Reason);
        }

        return line.ToString();
    }

    /// <summary>
    /// Runs one test in this process and returns its kselftest exit code.
    /// A reason for a skip or failure is written to <paramref name="reportFd"/>.
    /// </summary>
    public static int RunOne(TestCase test, int? reportFd)
    {
        if (reportFd is { } fd)
        {
            // Programs the test starts must not inherit the report pipe, or
            // the runner could wait for them.
            Libc.fcntl(fd, Libc.F_SETFD, Libc.FD_CLOEXEC);
        }

        Test.Name = test.Name;
        try
        {
            test.Body();
            return Test.Failed ? KsftFail : KsftPass;
        }
        catch (TestSkippedException skipped)
        {
            Console.Error.WriteLine($"#      SKIP      {skipped.Message}");
            Report(reportFd, skipped.Message);
            return Test.Failed ? KsftFail : KsftSkip;
        }
        catch (TestFailedException failed)
        {
            Report(reportFd, failed.Reason);
            return KsftFail;
        }
        catch (Exception exception)
        {
            Test.Log($"unhandled exception: {exception}");
            return KsftFail;
        }
    }

    private static unsafe void Report(int? reportFd, string? reason)
    {
        if (reportFd is not { } fd || string.IsNullOrEmpty(reason))
        {
            return;
        }

        // One line, as it goes on the result line.
        var bytes = Encoding.UTF8.GetBytes(reason.ReplaceLineEndings(" "));
        fixed (byte* buffer = bytes)
        {
            Libc.write(fd, buffer, bytes.Length);
        }
    }
}
