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

    [OneTimeSetUp]
    public async Task BootGuest()
    {
        _environment = await VmTestEnvironment.GetAsync();
        var (vm, console) = await _environment.BootAsync(SuiteName.Replace('/', '-'));
        _vm = vm;
        _executor = new SuiteExecutor(vm, console, new Collector(_results), _environment.Loggers.CreateLogger(SuiteName));
    }

    [OneTimeTearDown]
    public async Task StopGuest()
    {
        if (_vm is null)
            return;
        await _vm.ShutdownAsync(CancellationToken.None);
        await _vm.DisposeAsync();
    }

    protected async Task RunCaseAsync(GuestTestCase test)
    {
        Assert.That(_environment, Is.Not.Null, "the guest did not boot");
        var suite = _environment!.Suite(SuiteName);
        if (test.Program.Length == 0)
            Assert.Fail($"{SuiteName} has no tests: a part without tests is reported as having none, never as passed.");

        if (_programsRun.Add(test.Program))
        {
            var program = suite.Programs.Single(p => p.Name == test.Program);
            await _executor!.RunSuiteAsync(suite with { Programs = [program] }, null, CancellationToken.None);
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
