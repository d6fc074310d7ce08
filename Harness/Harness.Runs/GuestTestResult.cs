using Harness.Suites.Ktap;
using Harness.Suites.Splats;

namespace Harness.Runs;

/// <summary>A test's result from the guest, with the kernel splats printed while it ran.</summary>
public sealed record GuestTestResult(string Suite, string Program, TestResult Result, IReadOnlyList<KernelSplat> Splats);

/// <summary>How one program of a suite ended in the guest.</summary>
/// <param name="Outcome">exited, signal, timeout, cancelled or lost connection, as a sentence fragment.</param>
public sealed record ProgramRun(string Suite, string Program, string Command, string Outcome, int? ExitCode, TimeSpan Duration, KtapSummary Summary, bool GuestDied);

/// <summary>Receives results as a suite runs, so that they are written as they arrive.</summary>
public interface ISuiteSink
{
    void SuiteStarted(string suite);

    void TestFinished(GuestTestResult result);

    void ProgramFinished(ProgramRun run);

    void SuiteFinished(string suite, TestCounts counts);
}
