using System.Collections.Concurrent;
using Harness.Runs;
using Harness.Suites.Catalog;
using Harness.Suites.Ktap;
using Harness.Vm;

namespace Harness.VmTests.Support;

/// <summary>
/// One VM per fixture, one fixture per suite. A case runs its program the first
/// time a case of that program needs it, so each program runs once in the guest
/// and every one of its tests becomes an NUnit case with the guest's own verdict.
/// </summary>
[NonParallelizable]
public abstract class GuestSuiteFixture
{
    private readonly ConcurrentDictionary<string, GuestTestResult> _results = new();
    private readonly HashSet<string> _programsRun = [];
    private VmTestEnvironment? _environment;
    private GuestVm? _vm;
    private SuiteExecutor? _executor;

    /// <summary>The suite this fixture runs, e.g. "kselftest/landlock".</summary>
    protected abstract string SuiteName { get; }

    /// <summary>Boots the fixture's guest when its first case needs it, so a suite without tests boots none.</summary>
    private async Task<SuiteExecutor> GuestAsync()
    {
        if (_executor is not null)
            return _executor;
        _environment ??= await VmTestEnvironment.GetAsync();
        var (vm, console) = await _environment.BootAsync(SuiteName.Replace('/', '-'));
        _vm = vm;
        _executor = new SuiteExecutor(vm, console, new Collector(_results), _environment.Loggers.CreateLogger(SuiteName));
        return _executor;
    }

    [OneTimeTearDown]
    public async Task StopGuest()
    {
        if (_vm is null)
            return;
        await _vm.ShutdownAsync(CancellationToken.None);
        await _vm.DisposeAsync();

        // The initrd copy and console log are only worth keeping when a case failed.
        if (TestContext.CurrentContext.Result.FailCount == 0)
            Directory.Delete(_vm.Boot.WorkDirectory, recursive: true);
        else
            TestContext.Progress.WriteLine($"harness: kept the guest's files for the failures: '{_vm.Boot.WorkDirectory}'");
    }

    protected async Task RunCaseAsync(GuestTestCase test)
    {
        // Not a pass and not a failure of anything: the part has no tests yet,
        // and NUnit shows the case as skipped with this reason.
        if (test.Program.Length == 0)
            Assert.Ignore($"{SuiteName} has no tests yet; a part without tests is reported as having none, never as passed.");

        var executor = await GuestAsync();
        var suite = _environment!.Suite(SuiteName);
        if (_programsRun.Add(test.Program))
        {
            var program = suite.Programs.Single(p => p.Name == test.Program);
            await executor.RunSuiteAsync(suite with { Programs = [program] }, null, CancellationToken.None);
        }

        _results.TryGetValue(test.Id, out var result);
        GuestAssert.Outcome(result, test.Id);
    }

    private sealed class Collector(ConcurrentDictionary<string, GuestTestResult> results) : ISuiteSink
    {
        public void SuiteStarted(string suite)
        {
        }

        public void TestFinished(GuestTestResult result) => results[result.Result.Id] = result;

        public void ProgramFinished(ProgramRun run) =>
            TestContext.Progress.WriteLine($"harness: {run.Suite}/{run.Program} {run.Outcome} in {run.Duration.TotalSeconds:0.0} s");

        public void SuiteFinished(string suite, TestCounts counts)
        {
        }
    }
}
