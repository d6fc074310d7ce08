using Harness.Core;
using Harness.Runs;
using Harness.Suites.Catalog;
using Microsoft.Extensions.Logging.Abstractions;

namespace Harness.VmTests.Support;

/// <summary>One guest test as an NUnit case: its id, the suite and program that run it, and its categories.</summary>
public sealed record GuestTestCase(string Id, string Suite, string Program, string Part, string Language);

/// <summary>
/// Lists every guest test of every suite when NUnit discovers the VM tests, so
/// that each one becomes a test case of its own. Listing needs the suites built,
/// which needs only the series' uapi headers, not the kernel: a kselftest program
/// lists its tests with -l, the C# program with --list.
/// </summary>
public static class GuestTestCatalog
{
    private static readonly Lazy<IReadOnlyList<GuestTestCase>> Cases = new(List);

    /// <summary>The test cases of <paramref name="suite"/>, as NUnit test case data with categories by part and language.</summary>
    public static IEnumerable<TestCaseData> For(string suite)
    {
        var cases = Cases.Value.Where(c => c.Suite == suite).ToList();
        if (cases.Count == 0)
        {
            // A suite without tests gets one case that reports it, instead of
            // vanishing from the test list or passing.
            yield return new TestCaseData(new GuestTestCase(suite, suite, "", "", "")).SetName($"{suite} (no tests)");
            yield break;
        }
        foreach (var test in cases)
        {
            yield return new TestCaseData(test)
                .SetName(test.Id)
                .SetCategory(test.Part)
                .SetCategory(test.Language);
        }
    }

    /// <summary>The NUnit category of a suite's language; "C#" is avoided because '#' is awkward in filters.</summary>
    public static string LanguageCategory(string language) => language == "C#" ? "CSharp" : language;

    private static IReadOnlyList<GuestTestCase> List()
    {
        var paths = HarnessPaths.Discover(AppContext.BaseDirectory);
        var runner = new CommandRunner();
        var workspace = new Workspace(paths, runner, NullLoggerFactory.Instance, SilentStageObserver.Instance);
        var cancellation = CancellationToken.None;

        var kernelBase = workspace.PrepareBaseAsync(new KernelSelection(), cancellation).GetAwaiter().GetResult();
        var series = workspace.ApplySeriesAsync(kernelBase, new KernelSelection(), cancellation).GetAwaiter().GetResult();
        var headers = workspace.InstallHeadersAsync(series, cancellation).GetAwaiter().GetResult();
        var definitions = workspace.DiscoverSuites(series);
        var suites = workspace.BuildSuitesAsync(series, headers, definitions, VmTestEnvironment.TimeoutScale, cancellation).GetAwaiter().GetResult();

        var cases = new List<GuestTestCase>();
        foreach (var suite in suites)
        {
            foreach (var program in suite.Programs)
            {
                foreach (var name in ListProgram(runner, suite, program))
                {
                    var id = suite.Definition.Kind == SuiteKind.CSharp ? $"{suite.Definition.Name}/{name}" : $"{suite.Definition.Name}/{program.Name}/{name}";
                    cases.Add(new GuestTestCase(id, suite.Definition.Name, program.Name, suite.Definition.Part, LanguageCategory(suite.Definition.Language)));
                }
            }
        }
        return cases;
    }

    private static IEnumerable<string> ListProgram(CommandRunner runner, BuiltSuite suite, SuiteProgram program)
    {
        var executable = Path.Combine(suite.HostDirectory, program.Name);
        if (suite.Definition.Kind == SuiteKind.CSharp)
        {
            var listing = runner.RunAsync(ExternalCommand.Of(executable, "--list", "--part", suite.Definition.Part)).GetAwaiter().GetResult();
            return listing.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split('\t'))
                .Where(fields => fields.Length == 2)
                .Select(fields => $"{fields[0]}.{fields[1]}");
        }

        // kselftest_harness.h's -l prints "FIXTURE VARIANT TEST" columns and
        // leaves a column blank when it repeats the line above; it exits with
        // KSFT_SKIP (4), so the exit code carries no information here.
        var outcome = runner.RunAsync(ExternalCommand.Of(executable, "-l")).GetAwaiter().GetResult();
        return KselftestListing.Parse(outcome.StandardError + outcome.StandardOutput);
    }
}
