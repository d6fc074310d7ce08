using Harness.Runs;
using Harness.Suites.Catalog;
using Harness.Suites.Ktap;
using Harness.VmTests.Support;

namespace Harness.VmTests.Runs;

/// <summary>
/// The C# guest program's canary test fails on purpose; its failure must reach
/// NUnit as a failing case that carries the guest's message.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class CanaryTests
{
    private const string GuestMessage = "canary failure: the guest reports this on purpose";

    [Test]
    [CancelAfter(600_000)]
    public async Task Failing_guest_test_fails_its_case_with_the_guest_message()
    {
        var environment = await VmTestEnvironment.GetAsync();
        var csharp = environment.Suite("csharp/base");
        var canary = csharp with
        {
            Definition = csharp.Definition with { Name = "csharp/canary", Part = "canary" },
            Programs = [new SuiteProgram(SuiteBuilder.CSharpProgramName,
                $"cd {csharp.Definition.GuestDirectory} && ./{SuiteBuilder.CSharpProgramName} --part canary", TimeSpan.FromMinutes(2))],
        };
        var results = new List<GuestTestResult>();
        var (vm, console) = await environment.BootAsync("canary");
        await using (vm)
        {
            var executor = new SuiteExecutor(vm, console, new ListSink(results), environment.Loggers.CreateLogger("canary"));
            await executor.RunSuiteAsync(canary, null, CancellationToken.None);
            await vm.ShutdownAsync(CancellationToken.None);
        }

        var result = results.Single(r => r.Result.Id == "csharp/canary/canary.fails_on_purpose");
        Assert.That(result.Result.Status, Is.EqualTo(TestStatus.Fail));
        var failure = Assert.Throws<AssertionException>(() => GuestAssert.Outcome(result, result.Result.Id));
        Assert.That(failure!.Message, Does.Contain(GuestMessage), "the NUnit failure must carry the guest's own message");
        Assert.That(failure.Message, Does.Contain("CanaryTests.cs:"), "the guest's file:line diagnostic must be in the failure");

        // Reached only when every assertion held; a failure keeps the files it names.
        Directory.Delete(vm.Boot.WorkDirectory, recursive: true);
    }

    private sealed class ListSink(List<GuestTestResult> results) : ISuiteSink
    {
        public void SuiteStarted(string suite)
        {
        }

        public void TestFinished(GuestTestResult result) => results.Add(result);

        public void ProgramFinished(ProgramRun run)
        {
        }

        public void SuiteFinished(string suite, TestCounts counts)
        {
        }
    }
}
