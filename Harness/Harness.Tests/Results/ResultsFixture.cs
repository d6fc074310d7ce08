using System.Runtime.CompilerServices;
using System.Xml;
using System.Xml.Schema;
using Harness.Results;
using Harness.Suites.Ktap;
using Harness.Suites.Splats;
using Harness.Tests.Ktap;
using Harness.Tests.Splats;
using NUnit.Framework;

namespace Harness.Tests.Results;

/// <summary>A results root in a fresh temporary folder, and a recorder that writes after every call.</summary>
internal sealed class ResultsFixture : IDisposable
{
    public static readonly RecorderOptions Immediate = new() { DataInterval = TimeSpan.Zero, ReportInterval = TimeSpan.Zero };

    public ResultsFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), "harness-results-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public static RunInfo Info(string runId = "20261204-201500-abcdef") => new()
    {
        RunId = runId,
        StartedAt = new DateTimeOffset(2026, 12, 4, 20, 15, 0, TimeSpan.Zero),
        CommandLine = ["./harness", "run", "--suite", "landlock"],
        BaseVersion = "Debian linux-source-7.3 7.3.4-1~bpo13+1",
        Series =
        [
            new PatchInfo("landlock: Add a quiet flag for rules", "3f2a9c1d0b7e4a6f8c2d1e0f9a8b7c6d5e4f3a2b", "0001-landlock-Add-a-quiet-flag-for-rules.patch"),
            new PatchInfo("selftests/landlock: Test the quiet flag", "9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b"),
        ],
        ConfigHash = "4f2ad1c9e0b87a65",
        Accelerator = "tcg",
        QemuVersion = "QEMU emulator version 10.0.2 (Debian 1:10.0.2+ds-2)",
        ReproduceCommand = ["./harness", "run", "--suite", "landlock", "--series", "kernel-patches/series"],
        ReproduceDirectory = "/work/main",
    };

    public RunRecorder Create(RunInfo? info = null, RecorderOptions? options = null) =>
        RunRecorder.Create(Root, info ?? Info(), options ?? Immediate);

    /// <summary>
    /// Records a run with a failing kselftest suite, a KUnit suite with parents,
    /// a suite with no tests, a splat that turns a passing test into a failure,
    /// and a test whose output holds markup and control characters.
    /// </summary>
    public static void RecordSampleRun(RunRecorder recorder)
    {
        recorder.BeginStage("build");
        recorder.EndStage("build", StageStatus.Pass, "incremental, 41 s");
        recorder.BeginStage("boot");
        recorder.EndStage("boot", StageStatus.Pass);
        recorder.BeginStage("suites");

        recorder.BeginSuite("landlock");
        var summary = Feed(recorder, "landlock", "landlock/base_test", GoldenLogs.Read("kselftest_landlock_base.log"));
        var warning = KernelSplatScanner.Scan(SplatSamples.Warning).Single();
        recorder.RecordSplat(warning, "landlock", "landlock/base_test/global.ruleset_fd_transfer");
        recorder.Record("landlock", new TestResult
        {
            Id = "landlock/hostile_output",
            NamePath = ["hostile_output"],
            Status = TestStatus.Fail,
            Reason = "printed <script>alert(1)</script>",
            Output = ["<script>alert('x')</script>", "colour \u001b[31mred\u001b[0m and NUL \u0000 and bell \u0007", "ampersand & \"quotes\""],
        });
        recorder.EndSuite("landlock", SuiteOutcome.FromKtap(summary));

        recorder.BeginSuite("kunit");
        var kunit = Feed(recorder, "kunit", "kunit", GoldenLogs.Read("kunit_nested_ktap_v1.log"));
        recorder.EndSuite("kunit", SuiteOutcome.FromKtap(kunit));

        recorder.BeginSuite("empty");
        recorder.EndSuite("empty", SuiteOutcome.FromKtap(KtapParser.Parse("TAP version 13\n1..0\n").Summary));

        recorder.EndStage("suites", StageStatus.Pass);
    }

    public static KtapSummary Feed(RunRecorder recorder, string suite, string idPrefix, string text)
    {
        var parser = new KtapStreamParser(idPrefix, result => recorder.Record(suite, result));
        parser.Feed(text);
        return parser.Complete(outputWasCutOff: false);
    }

    /// <summary>Loads junit.xml and validates it against junit.xsd; throws on the first schema error.</summary>
    public static XmlDocument LoadValidJUnit(string path)
    {
        var schemas = new XmlSchemaSet();
        schemas.Add(null, SchemaPath());
        var settings = new XmlReaderSettings { ValidationType = ValidationType.Schema, Schemas = schemas };
        settings.ValidationEventHandler += (_, e) => throw new XmlSchemaValidationException($"{path}: {e.Message}", e.Exception);

        using var reader = XmlReader.Create(path, settings);
        var document = new XmlDocument();
        document.Load(reader);
        return document;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A test that failed may still hold a file; the temp folder is cleaned by the system.
        }
    }

    private static string SchemaPath([CallerFilePath] string source = "")
    {
        var copied = Path.Combine(TestContext.CurrentContext.TestDirectory, "Results", "junit.xsd");
        return File.Exists(copied) ? copied : Path.Combine(Path.GetDirectoryName(source)!, "junit.xsd");
    }
}
