using System.Diagnostics;
using System.Text.Json;
using Harness.Results;
using Harness.Suites.Ktap;
using Harness.Suites.Splats;
using Harness.Tests.Splats;
using NUnit.Framework;

namespace Harness.Tests.Results;

[TestFixture]
[CancelAfter(30_000)]
public sealed class RunRecorderTests
{
    private ResultsFixture _fixture = null!;

    [SetUp]
    public void SetUp() => _fixture = new ResultsFixture();

    [TearDown]
    public void TearDown() => _fixture.Dispose();

    [Test]
    public void Create_writes_every_file()
    {
        using var recorder = _fixture.Create();

        foreach (var name in new[] { "results.json", "junit.xml", "report.html", "summary.md", "reproduce.sh" })
            Assert.That(File.Exists(Path.Combine(recorder.Folder.Path, name)), Is.True, name);
        Assert.That(ResultsJson.Read(recorder.Folder.ResultsJson).Status, Is.EqualTo(RunVerdict.Running));
        Assert.DoesNotThrow(() => ResultsFixture.LoadValidJUnit(recorder.Folder.JUnitXml));
    }

    [Test]
    public void Results_json_reads_back()
    {
        using var recorder = _fixture.Create();
        ResultsFixture.RecordSampleRun(recorder);
        File.WriteAllText(recorder.Folder.PathFor(ArtifactKind.ConsoleLog), "[    0.000000] Linux version 7.3.4\n");

        var outcome = recorder.Complete();
        using var json = JsonDocument.Parse(File.ReadAllText(recorder.Folder.ResultsJson));
        var root = json.RootElement;
        var document = ResultsJson.Read(recorder.Folder.ResultsJson);

        Assert.That(root.GetProperty("schema").GetString(), Is.EqualTo("harness-results/1"));
        Assert.That(root.GetProperty("status").GetString(), Is.EqualTo("fail"));
        Assert.That(root.GetProperty("exitCode").GetInt32(), Is.EqualTo(1));
        Assert.That(root.GetProperty("baseVersion").GetString(), Is.EqualTo("Debian linux-source-7.3 7.3.4-1~bpo13+1"));
        Assert.That(root.GetProperty("series")[0].GetProperty("sha").GetString(), Does.StartWith("3f2a9c1d"));
        Assert.That(root.GetProperty("series")[0].GetProperty("subject").GetString(), Is.EqualTo("landlock: Add a quiet flag for rules"));
        Assert.That(root.GetProperty("accelerator").GetString(), Is.EqualTo("tcg"));
        Assert.That(root.GetProperty("commandLine")[1].GetString(), Is.EqualTo("run"));

        Assert.That(outcome.Verdict, Is.EqualTo(RunVerdict.Fail));
        Assert.That(document.Stages.Select(stage => (stage.Name, stage.Status)), Is.EqualTo(new[]
        {
            ("build", StageStatus.Pass), ("boot", StageStatus.Pass), ("suites", StageStatus.Pass),
        }));
        Assert.That(document.Stages[0].Message, Is.EqualTo("incremental, 41 s"));
        Assert.That(document.Stages.All(stage => stage.DurationSeconds >= 0), Is.True);

        var landlock = document.Suites.Single(suite => suite.Name == "landlock");
        Assert.That(landlock.Status, Is.EqualTo(TestStatus.Fail));
        Assert.That(landlock.Counts, Is.EqualTo(new TestCounts { Pass = 15, Fail = 3, Skip = 1 }));
        var failed = landlock.Tests.Single(test => test.Id == "landlock/base_test/global.abi_version");
        Assert.That(failed.Status, Is.EqualTo(TestStatus.Fail));
        Assert.That(failed.Output, Has.Some.Contains("Expected 11 (11)"));
        Assert.That(root.GetProperty("suites")[0].GetProperty("tests")[0].GetProperty("status").GetString(), Is.EqualTo("pass"));

        Assert.That(document.Suites.Single(suite => suite.Name == "empty").Status, Is.EqualTo(TestStatus.NoTests));
        Assert.That(document.Suites.Single(suite => suite.Name == "kunit").Tests.Single(test => test.Id == "kunit/landlock_fs").Counted, Is.False);
        Assert.That(document.Artifacts.Single(artifact => artifact.Kind == "console-log").Present, Is.True);
        Assert.That(document.Artifacts.Single(artifact => artifact.Kind == "dmesg").Present, Is.False);
        Assert.That(document.EndedAt, Is.Not.Null);
    }

    [Test]
    public void Splat_after_result_fails_test()
    {
        using var recorder = _fixture.Create();
        ResultsFixture.RecordSampleRun(recorder);

        var test = recorder.Snapshot().AllTests().Single(entry => entry.Test.Id == "landlock/base_test/global.ruleset_fd_transfer").Test;

        Assert.That(test.Status, Is.EqualTo(TestStatus.Fail));
        Assert.That(test.ReportedStatus, Is.EqualTo(TestStatus.Pass));
        Assert.That(test.Reason, Does.StartWith("kernel WARNING while landlock/base_test/global.ruleset_fd_transfer was running"));
        Assert.That(test.Splats.Single().Kind, Is.EqualTo(SplatKind.Warning));
        Assert.That(test.Splats.Single().Excerpt[^1], Is.EqualTo("---[ end trace 0000000000000000 ]---"));
    }

    [Test]
    public void Splat_before_result_fails_test()
    {
        using var recorder = _fixture.Create();
        var splat = KernelSplatScanner.Scan(SplatSamples.Kasan).Single();

        recorder.RecordSplat(splat, "landlock", "landlock/fs_test/layout1.inval");
        recorder.Record("landlock", Passed("landlock/fs_test/layout1.inval"));

        var test = recorder.Snapshot().AllTests().Single().Test;
        Assert.That(test.Status, Is.EqualTo(TestStatus.Fail));
        Assert.That(test.Splats.Single().Kind, Is.EqualTo(SplatKind.Kasan));
    }

    [Test]
    public void Splat_of_unreported_test_stays_visible()
    {
        using var recorder = _fixture.Create();
        recorder.BeginSuite("landlock");
        recorder.Record("landlock", Passed("landlock/a"));

        recorder.RecordSplat(KernelSplatScanner.Scan(SplatSamples.HungTask).Single(), "landlock", "landlock/never_reported");
        recorder.EndSuite("landlock");

        var suite = recorder.Snapshot().Suites.Single();
        Assert.That(suite.Status, Is.EqualTo(TestStatus.Fail));
        Assert.That(suite.Splats.Single().TestId, Is.EqualTo("landlock/never_reported"));
        Assert.That(suite.Reason, Is.EqualTo("kernel hung task during landlock/never_reported, which never reported"));
        Assert.That(recorder.Complete().Verdict, Is.EqualTo(RunVerdict.Fail));
    }

    [Test]
    public void Splat_outside_suites_fails_run()
    {
        using var recorder = _fixture.Create();
        recorder.Record("landlock", Passed("landlock/a"));

        recorder.RecordSplat(KernelSplatScanner.Scan(SplatSamples.RcuStall).Single());
        var outcome = recorder.Complete();

        Assert.That(outcome.Verdict, Is.EqualTo(RunVerdict.Fail));
        Assert.That(outcome.Reason, Does.Contain("the kernel printed 1 splat"));
        Assert.That(ResultsJson.Read(recorder.Folder.ResultsJson).Splats.Single().Kind, Is.EqualTo(SplatKind.RcuStall));
    }

    [Test]
    public void Abandoned_run_keeps_valid_files()
    {
        var recorder = _fixture.Create();
        recorder.BeginStage("suites");
        recorder.BeginSuite("landlock");
        ResultsFixture.Feed(recorder, "landlock", "landlock/base_test", """
            TAP version 13
            1..3
            ok 1 global.first
            not ok 2 global.second
            """);

        // The harness dies here: no EndSuite, no Complete, no Dispose.
        var document = ResultsJson.Read(recorder.Folder.ResultsJson);
        Assert.That(document.Status, Is.EqualTo(RunVerdict.Running));
        Assert.That(document.Suites.Single().Finished, Is.False);
        Assert.That(document.Stages.Single().Status, Is.EqualTo(StageStatus.Running));
        Assert.That(document.AllTests().Select(entry => entry.Test.Id), Is.SupersetOf(new[] { "landlock/base_test/global.first", "landlock/base_test/global.second" }));
        var junit = ResultsFixture.LoadValidJUnit(recorder.Folder.JUnitXml);
        Assert.That(junit.SelectNodes("//testcase")!.Count, Is.GreaterThanOrEqualTo(2));
        Assert.That(File.ReadAllText(recorder.Folder.Summary), Does.StartWith("# RUNNING: run 20261204-201500-abcdef"));
        Assert.That(File.ReadAllText(recorder.Folder.Report), Does.Contain("The run has not finished"));
        Assert.That(Directory.GetFiles(recorder.Folder.Path, "*.tmp"), Is.Empty, "no temporary file is left behind");

        recorder.Dispose();
        var disposed = ResultsJson.Read(recorder.Folder.ResultsJson);
        Assert.That(disposed.Status, Is.EqualTo(RunVerdict.Incomplete));
        Assert.That(disposed.ExitCode, Is.EqualTo(2));
        Assert.That(disposed.Stages.Single().Message, Does.StartWith("interrupted"));
    }

    [Test]
    public void Cancelled_run_keeps_results()
    {
        var recorder = _fixture.Create();
        recorder.BeginStage("suites");
        recorder.BeginSuite("landlock");
        ResultsFixture.Feed(recorder, "landlock", "landlock/base_test", """
            TAP version 13
            1..2
            ok 1 global.first
            """);

        recorder.Cancel("stopped by Ctrl+C or SIGTERM");
        recorder.Dispose();

        var document = ResultsJson.Read(recorder.Folder.ResultsJson);
        Assert.That(document.Status, Is.EqualTo(RunVerdict.Cancelled));
        Assert.That(document.ExitCode, Is.EqualTo(130), "the same code the harness process exits with");
        Assert.That(document.StatusReason, Is.EqualTo("stopped by Ctrl+C or SIGTERM"));
        Assert.That(document.AllTests().Single(entry => entry.Test.Id == "landlock/base_test/global.first").Test.Status, Is.EqualTo(TestStatus.Pass));
        Assert.That(document.Suites.Single().Status, Is.EqualTo(TestStatus.Error), "a suite cut off is not a pass, even when its finished tests passed");
        Assert.That(document.Suites.Single().Reason, Does.StartWith("interrupted: stopped by Ctrl+C"));
        var junit = ResultsFixture.LoadValidJUnit(recorder.Folder.JUnitXml);
        Assert.That(junit.SelectNodes("//testsuite[@name='landlock']//error")!.Count, Is.GreaterThanOrEqualTo(1), "CI readers see the interruption as an error");
        Assert.That(File.ReadAllText(recorder.Folder.ResultsJson), Does.Contain("\"status\": \"cancelled\""));
    }

    [Test]
    public void Latest_link_follows_newest_run()
    {
        using (var first = _fixture.Create(ResultsFixture.Info("20261204-201500-aaaaaa")))
            first.Complete();
        using var second = _fixture.Create(ResultsFixture.Info("20261204-201600-bbbbbb"));

        var latest = new FileInfo(Path.Combine(_fixture.Root, "latest"));
        Assert.That(latest.LinkTarget, Is.EqualTo("20261204-201600-bbbbbb"), "the link is relative");
        Assert.That(File.Exists(Path.Combine(_fixture.Root, "latest", "results.json")), Is.True);
        Assert.That(Directory.GetFileSystemEntries(_fixture.Root).Select(Path.GetFileName), Is.EquivalentTo(new[]
        {
            "20261204-201500-aaaaaa", "20261204-201600-bbbbbb", "latest",
        }));
    }

    [Test]
    public void No_tests_is_its_own_verdict()
    {
        using var recorder = _fixture.Create();
        recorder.BeginSuite("csharp");
        recorder.EndSuite("csharp", SuiteOutcome.FromKtap(KtapParser.Parse("KTAP version 1\n1..0\n").Summary));

        var outcome = recorder.Complete();

        Assert.That(outcome.Verdict, Is.EqualTo(RunVerdict.NoTests));
        Assert.That(outcome.ExitCode, Is.Zero, "a part with no tests does not fail the run");
        Assert.That(recorder.Snapshot().Suites.Single().Status, Is.EqualTo(TestStatus.NoTests));
    }

    [Test]
    public void No_tests_suite_beside_passing_one()
    {
        using var recorder = _fixture.Create();
        recorder.Record("landlock", Passed("landlock/a"));
        recorder.BeginSuite("csharp");
        recorder.EndSuite("csharp");

        var outcome = recorder.Complete();

        Assert.That(outcome.Verdict, Is.EqualTo(RunVerdict.Pass));
        Assert.That(ResultsJson.Read(recorder.Folder.ResultsJson).Suites.Single(suite => suite.Name == "csharp").Status,
            Is.EqualTo(TestStatus.NoTests));
    }

    [Test]
    public void Skip_todo_xfail_do_not_fail()
    {
        using var recorder = _fixture.Create();
        ResultsFixture.Feed(recorder, "mixed", "mixed", """
            KTAP version 1
            1..4
            ok 1 a
            ok 2 b # SKIP not here
            not ok 3 c # TODO later
            ok 4 # XFAIL known
            """);

        Assert.That(recorder.Complete().Verdict, Is.EqualTo(RunVerdict.Pass));
    }

    [Test]
    public void Failed_stage_is_error()
    {
        using var recorder = _fixture.Create();
        recorder.BeginStage("build");
        recorder.EndStage("build", StageStatus.Fail, "security/landlock/fs.c:120: error: 'x' undeclared");

        var outcome = recorder.Complete();

        Assert.That(outcome.Verdict, Is.EqualTo(RunVerdict.Error));
        Assert.That(outcome.ExitCode, Is.EqualTo(2));
        Assert.That(outcome.Reason, Is.EqualTo("stage build failed: security/landlock/fs.c:120: error: 'x' undeclared"));
        var junit = ResultsFixture.LoadValidJUnit(recorder.Folder.JUnitXml);
        Assert.That(junit.SelectSingleNode("//testsuite[@name='(run)']/testcase[@name='(stage) build']/error"), Is.Not.Null);
    }

    [Test]
    public void Running_stage_fails_at_complete()
    {
        using var recorder = _fixture.Create();
        recorder.BeginStage("boot");

        recorder.Complete();

        var stage = recorder.Snapshot().Stages.Single();
        Assert.That(stage.Status, Is.EqualTo(StageStatus.Fail));
        Assert.That(stage.Message, Is.EqualTo("still running when the run completed"));
    }

    [Test]
    public void Second_result_replaces_first()
    {
        using var recorder = _fixture.Create();
        var result = Passed("landlock/a");

        recorder.Record("landlock", result);
        recorder.Record("landlock", result with { Duration = TimeSpan.FromSeconds(1.5) });

        var test = recorder.Snapshot().AllTests().Single().Test;
        Assert.That(test.DurationSeconds, Is.EqualTo(1.5));
    }

    [Test]
    public void Record_after_complete_throws()
    {
        using var recorder = _fixture.Create();
        recorder.Complete();

        var error = Assert.Throws<InvalidOperationException>(() => recorder.Record("landlock", Passed("landlock/a")));
        Assert.That(error!.Message, Is.EqualTo("Run 20261204-201500-abcdef has already ended (no-tests); nothing more can be recorded."));
    }

    [Test]
    public void Existing_run_folder_is_rejected()
    {
        using (_fixture.Create())
        {
        }

        var error = Assert.Throws<IOException>(() => _fixture.Create());
        Assert.That(error!.Message, Does.Contain("already exists and is not empty"));
    }

    [Test]
    public void Invalid_run_id_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => _fixture.Create(ResultsFixture.Info("../escape")));
        Assert.Throws<ArgumentException>(() => _fixture.Create(ResultsFixture.Info("latest")));
    }

    [Test]
    public void Run_ids_sort_by_time()
    {
        var id = RunIds.New(new DateTimeOffset(2026, 12, 4, 20, 15, 0, TimeSpan.Zero));

        Assert.That(id, Does.Match("^20261204-201500-[0-9a-f]{6}$"));
        Assert.That(RunIds.IsValid(id), Is.True);
    }

    [Test]
    public void Copied_artifact_is_listed()
    {
        using var recorder = _fixture.Create();
        var buildLog = Path.Combine(_fixture.Root, "build-output.log");
        File.WriteAllText(buildLog, "  CC      security/landlock/fs.o\n");

        recorder.CopyArtifact(ArtifactKind.BuildLog, buildLog);

        Assert.That(File.ReadAllText(recorder.Folder.PathFor(ArtifactKind.BuildLog)), Does.Contain("landlock/fs.o"));
        var artifact = ResultsJson.Read(recorder.Folder.ResultsJson).Artifacts.Single(entry => entry.Kind == "build-log");
        Assert.That(artifact.Present, Is.True);
        Assert.That(artifact.Path, Is.EqualTo("build.log"));
        Assert.That(artifact.SizeBytes, Is.EqualTo(new FileInfo(buildLog).Length));
    }

    [Test]
    public void Updated_info_reaches_files()
    {
        using var recorder = _fixture.Create(ResultsFixture.Info() with { Accelerator = null, QemuVersion = null });

        recorder.UpdateInfo(info => info with { Accelerator = "kvm", QemuVersion = "QEMU emulator version 10.0.2" });

        Assert.That(ResultsJson.Read(recorder.Folder.ResultsJson).Accelerator, Is.EqualTo("kvm"));
    }

    [Test]
    public void Throttled_results_arrive_by_timer()
    {
        using var recorder = _fixture.Create(options: new RecorderOptions
        {
            DataInterval = TimeSpan.FromMilliseconds(300),
            ReportInterval = TimeSpan.FromMilliseconds(300),
        });
        recorder.BeginSuite("landlock");

        recorder.Record("landlock", Passed("landlock/first"));
        recorder.Record("landlock", Passed("landlock/second"));

        var deadline = Stopwatch.StartNew();
        var ids = Array.Empty<string>();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            ids = ResultsJson.Read(recorder.Folder.ResultsJson).AllTests().Select(entry => entry.Test.Id).ToArray();
            if (ids.Length == 2)
                break;
            Thread.Sleep(20);
        }
        Assert.That(ids, Is.EqualTo(new[] { "landlock/first", "landlock/second" }),
            $"results.json did not show both results {deadline.Elapsed.TotalSeconds:0.0} s after they were recorded");
    }

    [Test]
    public void Parallel_records_all_land()
    {
        using var recorder = _fixture.Create(options: new RecorderOptions { DataInterval = TimeSpan.FromSeconds(1) });

        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            recorder.Record($"suite{i % 4}", Passed($"suite{i % 4}/test{i}")));
        recorder.Complete();

        var document = ResultsJson.Read(recorder.Folder.ResultsJson);
        Assert.That(document.Counts.Pass, Is.EqualTo(400));
        Assert.That(document.Suites, Has.Count.EqualTo(4));
    }

    [Test]
    public void Reproduce_script_runs_command()
    {
        using var recorder = _fixture.Create(ResultsFixture.Info() with
        {
            ReproduceCommand = ["printf", "%s|", "two words", "it's"],
            ReproduceDirectory = _fixture.Root,
        });
        var script = recorder.Folder.ReproduceScript;

        var mode = File.GetUnixFileMode(script);
        using var process = Process.Start(new ProcessStartInfo(script) { RedirectStandardOutput = true })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();

        Assert.That(mode.HasFlag(UnixFileMode.UserExecute), Is.True);
        Assert.That(process.ExitCode, Is.Zero);
        Assert.That(output, Is.EqualTo("two words|it's|"));
        Assert.That(File.ReadAllText(script), Does.Contain("# Base: Debian linux-source-7.3 7.3.4-1~bpo13+1"));
    }

    [Test]
    public void Reproduce_script_warns_on_changed_inputs()
    {
        using var repository = new Support.TempDirectory();
        repository.Write("kernel-patches/series", "0001-a.patch\n");
        Git(repository.Path, "init", "-q");
        Git(repository.Path, "add", ".");
        Git(repository.Path, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "series");
        var commit = Git(repository.Path, "rev-parse", "HEAD").Trim();
        using var recorder = _fixture.Create(ResultsFixture.Info() with
        {
            ReproduceCommand = ["true"],
            ReproduceDirectory = repository.Path,
            ProjectCommit = commit,
        });

        var unchanged = RunScript(recorder.Folder.ReproduceScript);
        repository.Write("kernel-patches/series", "0001-a.patch\n0002-b.patch\n");
        var changed = RunScript(recorder.Folder.ReproduceScript);

        Assert.That(unchanged, Is.EqualTo((0, "")));
        Assert.That(changed.ExitCode, Is.Zero, "the script still repeats the run");
        Assert.That(changed.Error, Does.Contain("differ from commit " + commit[..12]).And.Contain("git checkout " + commit[..12]));
    }

    private static (int ExitCode, string Error) RunScript(string script)
    {
        using var process = Process.Start(new ProcessStartInfo(script) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, error);
    }

    private static string Git(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, $"git {string.Join(' ', arguments)}");
        return output;
    }

    [Test]
    public void Reproduce_script_without_command_fails()
    {
        using var recorder = _fixture.Create(ResultsFixture.Info() with { ReproduceCommand = null });

        using var process = Process.Start(new ProcessStartInfo(recorder.Folder.ReproduceScript) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();

        Assert.That(process.ExitCode, Is.EqualTo(1));
        Assert.That(error, Does.Contain("did not record the command that repeats it"));
    }

    private static TestResult Passed(string id) => new()
    {
        Id = id,
        NamePath = [id[(id.LastIndexOf('/') + 1)..]],
        Status = TestStatus.Pass,
    };
}
