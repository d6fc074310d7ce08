using System.Diagnostics;
using Harness.Suites.Catalog;
using Harness.Suites.Ktap;
using Harness.Suites.Splats;
using Harness.Vm;
using Harness.Vm.Ssh;
using Microsoft.Extensions.Logging;

namespace Harness.Runs;

/// <summary>
/// Runs the programs of built suites in a booted guest over SSH, parses their
/// KTAP as it streams, and turns kernel splats from the console into failures of
/// the test that was running. A guest that dies ends the run: the tests that never
/// ran become errors, and the panic's excerpt goes with the first of them.
/// </summary>
public sealed class SuiteExecutor(GuestVm vm, ConsoleWatch console, ISuiteSink sink, ILogger logger)
{
    private static readonly TimeSpan ConsoleSyncTimeout = TimeSpan.FromSeconds(3);

    private TestCounts _counts = TestCounts.Empty;

    /// <summary>Set once the guest died; later programs are reported as not run.</summary>
    public string? GuestDeath { get; private set; }

    /// <summary>Runs every program of <paramref name="suite"/> whose tests match <paramref name="filter"/> (a substring of the test id).</summary>
    public async Task<TestCounts> RunSuiteAsync(BuiltSuite suite, string? filter, CancellationToken cancellationToken)
    {
        var name = suite.Definition.Name;
        sink.SuiteStarted(name);
        _counts = TestCounts.Empty;

        if (suite.Programs.Count == 0)
        {
            var none = new TestResult
            {
                Id = name,
                NamePath = [],
                Status = TestStatus.NoTests,
                Reason = $"{name} has no tests yet",
            };
            Emit(name, "", none, []);
            sink.SuiteFinished(name, _counts);
            return _counts;
        }

        foreach (var program in suite.Programs)
        {
            // Ctrl+C ends the run here: the programs not started are not
            // reported at all, rather than as errors of their own.
            cancellationToken.ThrowIfCancellationRequested();
            if (filter is not null && !ProgramMayMatch(suite, program, filter))
                continue;
            await RunProgramAsync(suite, program, filter, cancellationToken);
        }
        sink.SuiteFinished(name, _counts);
        return _counts;
    }

    private static string IdPrefix(BuiltSuite suite, SuiteProgram program) =>
        suite.Definition.Kind == SuiteKind.CSharp ? suite.Definition.Name : $"{suite.Definition.Name}/{program.Name}";

    /// <summary>
    /// Whether a test id under this program can contain <paramref name="filter"/>.
    /// A filter without '/' may match any test name, so it runs every program; one
    /// with '/' runs only the programs it names.
    /// </summary>
    private static bool ProgramMayMatch(BuiltSuite suite, SuiteProgram program, string filter)
    {
        var prefix = IdPrefix(suite, program);
        return !filter.Contains('/')
               || prefix.Contains(filter, StringComparison.Ordinal)
               || filter.StartsWith(prefix + "/", StringComparison.Ordinal)
               || filter.Contains(program.Name + "/", StringComparison.Ordinal)
               || filter.Contains(suite.Definition.Name + "/", StringComparison.Ordinal) && suite.Definition.Kind == SuiteKind.CSharp;
    }

    private async Task RunProgramAsync(BuiltSuite suite, SuiteProgram program, string? filter, CancellationToken cancellationToken)
    {
        var suiteName = suite.Definition.Name;
        var prefix = IdPrefix(suite, program);

        if (GuestDeath is not null)
        {
            var notRun = new TestResult
            {
                Id = prefix,
                NamePath = [program.Name],
                Status = TestStatus.Error,
                Reason = $"not run: {GuestDeath}",
                Synthesized = true,
            };
            Emit(suiteName, program.Name, notRun, []);
            return;
        }

        var splatsBefore = console.All.Count;
        var arrivals = new List<(TestResult Result, DateTimeOffset At)>();
        var parser = new KtapStreamParser(prefix, result =>
        {
            lock (arrivals)
                arrivals.Add((result, DateTimeOffset.UtcNow));
        });

        var command = program.GuestCommand + " 2>&1";
        logger.LogInformation("Running {Suite}/{Program} in {Vm}", suiteName, program.Name, vm.Boot.Name);
        var clock = Stopwatch.StartNew();
        var options = GuestCommandOptions.Default
            .WithTimeout(program.Timeout)
            .WithStandardOutputHandler(parser.Feed);
        var outcome = await vm.Ssh.RunAsync(command, options, cancellationToken);

        var died = outcome.Outcome == GuestCommandOutcome.ConnectionLost || vm.Machine.HasExited || vm.Machine.PanicLine is not null;
        if (cancellationToken.IsCancellationRequested)
        {
            // Stopped by the user: what the program printed is still recorded
            // below, with the test it was in the middle of as an error.
        }
        else if (!died)
        {
            var marker = ConsoleWatch.NewMarker();
            var written = await vm.Ssh.RunAsync($"echo {marker} > /dev/kmsg", GuestCommandOptions.Default.WithTimeout(TimeSpan.FromSeconds(10)), cancellationToken);
            if (!written.Succeeded || !await console.WaitForMarkerAsync(marker, ConsoleSyncTimeout, cancellationToken))
                logger.LogDebug("The console did not show the sync marker after {Program}; splats may be matched late", program.Name);
        }
        else
        {
            // Give QEMU a moment to write the end of the panic to the console.
            await vm.Machine.WaitForExitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            console.Flush();
            GuestDeath = DescribeDeath(suiteName, program, outcome);
        }

        var cutOff = outcome.Outcome is not GuestCommandOutcome.Exited;
        var summary = parser.Complete(cutOff);
        var splats = console.All.Skip(splatsBefore).ToList();

        List<(TestResult Result, DateTimeOffset At)> results;
        lock (arrivals)
            results = arrivals.ToList();

        if (results.Count == 0 || !outcome.Succeeded && !results.Any(r => r.Result.Status.IsFailure()) && outcome.ExitCode is not 4)
        {
            // The program printed no result at all, or ended badly while every
            // test it reported passed: report the program itself, so neither
            // case can look like a pass.
            results.Add((ProgramResult(prefix, program, outcome, summary), DateTimeOffset.UtcNow));
        }

        // --filter keeps the matching tests, and anything that went wrong with
        // the program itself; the rest of its tests ran but are not reported.
        if (filter is not null)
        {
            results = results.Where(r => r.Result.Id.Contains(filter, StringComparison.Ordinal)
                                         || r.Result.Synthesized && r.Result.Status.IsFailure()).ToList();
        }

        foreach (var (result, splatList) in Attribute(results, splats, died))
            Emit(suiteName, program.Name, result, splatList);

        sink.ProgramFinished(new ProgramRun(suiteName, program.Name, command, outcome.DescribeOutcome(), outcome.ExitCode, clock.Elapsed, summary, died));
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// Gives each splat to the first result that arrived after it; splats after the
    /// last result go to the last one. When the guest died, the panic goes to the
    /// first test that never reported, which is the one that was running.
    /// </summary>
    private static IEnumerable<(TestResult, IReadOnlyList<KernelSplat>)> Attribute(
        List<(TestResult Result, DateTimeOffset At)> results, List<KernelSplat> splats, bool died)
    {
        var assigned = results.Select(_ => new List<KernelSplat>()).ToList();
        foreach (var splat in splats)
        {
            var index = died && splat.Kind == SplatKind.Panic
                ? results.FindIndex(r => r.Result.Synthesized)
                : results.FindIndex(r => r.At >= splat.SeenAt && r.Result.CountsAsTestCase);
            if (index < 0)
                index = results.FindLastIndex(r => r.Result.CountsAsTestCase);
            if (index < 0)
                index = results.Count - 1;
            assigned[index].Add(splat);
        }

        for (var i = 0; i < results.Count; i++)
        {
            var result = results[i].Result;
            var found = assigned[i];
            if (found.Count > 0 && !result.Status.IsFailure())
            {
                result = result with
                {
                    Status = TestStatus.Fail,
                    Reason = SplatFailure.Message(found[0], result.Id),
                };
            }
            else if (found.Count > 0)
            {
                result = result with { Reason = $"{result.Reason}; {SplatFailure.Message(found[0], result.Id)}" };
            }
            yield return (result, found);
        }
    }

    private static TestResult ProgramResult(string prefix, SuiteProgram program, GuestCommandResult outcome, KtapSummary summary)
    {
        var status = outcome.Outcome switch
        {
            GuestCommandOutcome.Exited when outcome.ExitCode == 0 && summary.Status == TestStatus.NoTests => TestStatus.NoTests,
            GuestCommandOutcome.Exited when outcome.ExitCode == 4 => TestStatus.Skip,
            GuestCommandOutcome.TimedOut => TestStatus.Timeout,
            _ => TestStatus.Error,
        };
        var tail = outcome.Tail(30);
        return new TestResult
        {
            Id = prefix,
            NamePath = [program.Name],
            Status = status,
            Reason = $"{program.Name} {outcome.DescribeOutcome()}" + (summary.Results == 0 ? " without printing a KTAP result" : ""),
            Output = tail,
            Duration = outcome.Duration,
            Synthesized = true,
        };
    }

    private string DescribeDeath(string suite, SuiteProgram program, GuestCommandResult outcome)
    {
        var panic = vm.Machine.PanicLine;
        return panic is not null
            ? $"the guest panicked while {suite}/{program.Name} ran: {panic.Trim()}"
            : $"the guest stopped answering while {suite}/{program.Name} ran ({outcome.DescribeOutcome()})";
    }

    private void Emit(string suite, string program, TestResult result, IReadOnlyList<KernelSplat> splats)
    {
        if (result.Status.IsFailure() && result.Reason is null && FailureDiagnostic.Find(result.Output) is { } diagnostic)
            result = result with { Reason = diagnostic };
        if (result.CountsAsTestCase)
            _counts = _counts.Add(result.Status);
        sink.TestFinished(new GuestTestResult(suite, program, result, splats));
    }
}
