using System.Text.Json;
using Harness.Results;
using Harness.Runs;
using Harness.Suites.Catalog;
using Harness.VmTests.Support;

namespace Harness.VmTests.Runs;

/// <summary>A suite that panics the guest on purpose, run through the whole `run` pipeline.</summary>
[TestFixture]
[NonParallelizable]
public sealed class GuestCrashTests
{
    [Test]
    [CancelAfter(900_000)]
    public async Task Panic_keeps_earlier_results_and_reports_the_rest_as_errors()
    {
        var environment = await VmTestEnvironment.GetAsync();
        var work = Directory.CreateTempSubdirectory("harness-crash-").FullName;
        var suiteDirectory = Directory.CreateDirectory(Path.Combine(work, "crash")).FullName;
        WriteProgram(suiteDirectory, "crasher", """
            #!/bin/sh
            echo "TAP version 13"
            echo "1..3"
            echo "ok 1 before_crash"
            echo "# crashing the kernel through sysrq"
            # Output still in flight over SSH is lost with the kernel, as it
            # would be for any test. The pause lets the first result arrive,
            # with room for a loaded host (1 s once proved too short).
            sleep 3
            echo c > /proc/sysrq-trigger
            echo "ok 2 never_printed"
            """);
        WriteProgram(suiteDirectory, "after", "#!/bin/sh\necho 'TAP version 13'\necho '1..1'\necho 'ok 1 never_run'\n");
        File.WriteAllText(Path.Combine(suiteDirectory, "programs"), "crasher\nafter\n");
        var crashSuite = new SuiteDefinition("crash", SuiteKind.Prebuilt, "harness", "C", suiteDirectory, null);
        var options = new RunOptions
        {
            Suites = ["crash"],
            ExtraSuites = [crashSuite],
            ResultsRoot = Path.Combine(work, "results"),
            Accelerator = Vm.AcceleratorMode.Auto,
        };

        var outcome = await new TestRun(environment.Workspace).RunAsync(options);

        var document = JsonDocument.Parse(File.ReadAllText(outcome.Folder.ResultsJson));
        var tests = document.RootElement.GetProperty("suites").EnumerateArray()
            .SelectMany(s => s.GetProperty("tests").EnumerateArray())
            .ToDictionary(t => t.GetProperty("id").GetString()!, t => t.GetProperty("status").GetString()!);
        Assert.That(outcome.Verdict, Is.EqualTo(RunVerdict.Fail), "a panic must fail the run");
        Assert.That(tests["crash/crasher/before_crash"], Is.EqualTo("pass"), "the result printed before the panic must be kept");
        Assert.That(tests.Where(t => t.Key.StartsWith("crash/crasher/", StringComparison.Ordinal) && t.Key != "crash/crasher/before_crash").Select(t => t.Value).ToList(),
            Is.EqualTo(new[] { "error", "error" }), "the two planned tests that never ran must be errors");
        Assert.That(tests["crash/after"], Is.EqualTo("error"), "a program after the panic is reported as not run");
        var report = File.ReadAllText(outcome.Folder.Report);
        Assert.That(report, Does.Contain("Kernel panic - not syncing"), "the report must carry the panic excerpt");
        Assert.That(File.Exists(outcome.Folder.PathFor(ArtifactKind.ConsoleLog)), Is.True, "the console log must be kept");

        // Reached only when every assertion held; a failure keeps the run folder for a look.
        Directory.Delete(work, recursive: true);
    }

    private static void WriteProgram(string directory, string name, string script)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, script.Replace("\r\n", "\n") + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                                   | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }
}
