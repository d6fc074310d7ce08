using System.Text.Json;
using System.Xml;
using Harness.Results;
using Harness.Suites.Ktap;
using Harness.Suites.Splats;
using Harness.Tests.Splats;
using NUnit.Framework;

namespace Harness.Tests.Results;

[TestFixture]
[CancelAfter(30_000)]
public sealed class ReportWriterTests
{
    private ResultsFixture _fixture = null!;
    private RunRecorder _recorder = null!;

    [SetUp]
    public void SetUp()
    {
        _fixture = new ResultsFixture();
        _recorder = _fixture.Create();
        ResultsFixture.RecordSampleRun(_recorder);
        _recorder.Complete();
    }

    [TearDown]
    public void TearDown()
    {
        _recorder.Dispose();
        _fixture.Dispose();
    }

    [Test]
    public void JUnit_validates_and_counts()
    {
        var junit = ResultsFixture.LoadValidJUnit(_recorder.Folder.JUnitXml);
        var suites = junit.SelectNodes("/testsuites/testsuite")!.Cast<XmlElement>().ToList();

        foreach (var suite in suites)
        {
            var name = suite.GetAttribute("name");
            Assert.That(Int(suite, "tests"), Is.EqualTo(suite.SelectNodes("testcase")!.Count), name);
            Assert.That(Int(suite, "failures"), Is.EqualTo(suite.SelectNodes("testcase/failure")!.Count), name);
            Assert.That(Int(suite, "errors"), Is.EqualTo(suite.SelectNodes("testcase/error")!.Count), name);
            Assert.That(Int(suite, "skipped"), Is.EqualTo(suite.SelectNodes("testcase/skipped")!.Count), name);
        }

        var root = junit.DocumentElement!;
        Assert.That(Int(root, "tests"), Is.EqualTo(junit.SelectNodes("//testcase")!.Count));
        Assert.That(Int(root, "failures"), Is.EqualTo(junit.SelectNodes("//testcase/failure")!.Count));

        var landlock = suites.Single(suite => suite.GetAttribute("name") == "landlock");
        Assert.That(Int(landlock, "tests"), Is.EqualTo(19));
        Assert.That(Int(landlock, "failures"), Is.EqualTo(3));
        Assert.That(Int(landlock, "skipped"), Is.EqualTo(1));
    }

    [Test]
    public void JUnit_names_and_failures()
    {
        var junit = ResultsFixture.LoadValidJUnit(_recorder.Folder.JUnitXml);

        var failed = (XmlElement)junit.SelectSingleNode("//testcase[@name='global.abi_version']")!;
        Assert.That(failed.GetAttribute("classname"), Is.EqualTo("landlock/base_test"));
        Assert.That(failed.SelectSingleNode("failure/@type")!.Value, Is.EqualTo("fail"));
        Assert.That(failed.SelectSingleNode("system-out")!.InnerText, Does.Contain("Test terminated by assertion"));

        var splatted = (XmlElement)junit.SelectSingleNode("//testcase[@name='global.ruleset_fd_transfer']/failure")!;
        Assert.That(splatted.GetAttribute("type"), Is.EqualTo("kernel-splat"));
        Assert.That(splatted.GetAttribute("message"), Does.StartWith("kernel WARNING while"));
        Assert.That(splatted.InnerText, Does.Contain("---[ end trace 0000000000000000 ]---"));

        var skipped = (XmlElement)junit.SelectSingleNode("//testcase[@name='global.useless_quiet_rule_net']/skipped")!;
        Assert.That(skipped.GetAttribute("message"), Is.EqualTo("network restrictions are not supported by this kernel"));

        Assert.That(junit.SelectSingleNode("//testcase[@name='landlock_fs']"), Is.Null, "a parent explained by its subtests is not a test case");
        Assert.That(junit.SelectSingleNode("//testsuite[@name='empty']/testcase"), Is.Null);
        Assert.That(junit.SelectSingleNode("//testsuite/properties/property[@name='patch.1']/@value")!.Value,
            Is.EqualTo("3f2a9c1d0b7e landlock: Add a quiet flag for rules"));
    }

    [Test]
    public void JUnit_escapes_control_characters()
    {
        var text = File.ReadAllText(_recorder.Folder.JUnitXml);
        var junit = ResultsFixture.LoadValidJUnit(_recorder.Folder.JUnitXml);

        var output = junit.SelectSingleNode("//testcase[@name='hostile_output']/system-out")!.InnerText;
        Assert.That(output, Does.Contain("colour ␛[31mred␛[0m and NUL ␀ and bell ␇"));
        Assert.That(output, Does.Contain("<script>alert('x')</script>"));
        Assert.That(text, Does.Not.Contain("\u001b"));
        Assert.That(text, Does.Contain("&lt;script&gt;"));
    }

    [Test]
    public void Failing_suite_without_failing_case_appears()
    {
        using var fixture = new ResultsFixture();
        using var recorder = fixture.Create();
        ResultsFixture.Feed(recorder, "landlock", "landlock/fs_test", "TAP version 13\n1..1\nok 1 a\n");
        recorder.EndSuite("landlock", new SuiteOutcome { Status = TestStatus.Error, Reason = "fs_test exited with signal 9" });
        recorder.Complete();

        var junit = ResultsFixture.LoadValidJUnit(recorder.Folder.JUnitXml);

        var error = (XmlElement)junit.SelectSingleNode("//testsuite[@name='landlock']/testcase[@name='(suite)']/error")!;
        Assert.That(error.GetAttribute("message"), Is.EqualTo("fs_test exited with signal 9"));
        Assert.That(ResultsJson.Read(recorder.Folder.ResultsJson).Status, Is.EqualTo(RunVerdict.Fail));
    }

    [Test]
    public void Suite_splat_is_one_case()
    {
        using var fixture = new ResultsFixture();
        using var recorder = fixture.Create();
        recorder.Record("landlock", new TestResult { Id = "landlock/a", NamePath = ["a"], Status = TestStatus.Pass });
        recorder.RecordSplat(KernelSplatScanner.Scan(SplatSamples.Lockdep).Single(), "landlock");
        recorder.EndSuite("landlock");
        recorder.Complete();

        var junit = ResultsFixture.LoadValidJUnit(recorder.Folder.JUnitXml);

        var failure = (XmlElement)junit.SelectSingleNode("//testsuite[@name='landlock']/testcase[@name='(kernel splats)']/failure")!;
        Assert.That(failure.GetAttribute("type"), Is.EqualTo("kernel-splat"));
        Assert.That(failure.InnerText, Does.Contain("WARNING: possible circular locking dependency detected"));
        Assert.That(junit.SelectSingleNode("//testcase[@name='(suite)']"), Is.Null, "the splat case already shows the failure");
    }

    [Test]
    public void Html_lists_failures_first()
    {
        var html = File.ReadAllText(_recorder.Folder.Report);

        var splatted = html.IndexOf("landlock/base_test/global.ruleset_fd_transfer</code>", StringComparison.Ordinal);
        var failed = html.IndexOf("landlock/base_test/global.abi_version</code>", StringComparison.Ordinal);
        var passed = html.IndexOf("landlock/base_test/global.inconsistent_attr</code>", StringComparison.Ordinal);
        Assert.That(splatted, Is.GreaterThan(0));
        Assert.That(failed, Is.GreaterThan(splatted), "tests with splats come first");
        Assert.That(passed, Is.GreaterThan(failed), "failures come before passes");
        Assert.That(html, Does.Contain("<details class=\"test\" data-status=\"fail\">"));
        Assert.That(html, Does.Contain("data-filter=\"fail\""));
        Assert.That(html, Does.Contain("id=\"search\""));
    }

    [Test]
    public void Html_escapes_output()
    {
        var html = File.ReadAllText(_recorder.Folder.Report);

        Assert.That(html, Does.Contain("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        Assert.That(html, Does.Contain("printed &lt;script&gt;alert(1)&lt;/script&gt;"));
        Assert.That(html, Does.Not.Contain("<script>alert"));
        Assert.That(html.Split("<script>").Length - 1, Is.EqualTo(1), "the page's own script is the only one");
        Assert.That(html, Does.Contain("ampersand &amp; &quot;quotes&quot;"));
    }

    [Test]
    public void Html_is_self_contained()
    {
        var html = File.ReadAllText(_recorder.Folder.Report);

        Assert.That(html, Does.Not.Contain("http://").And.Not.Contain("https://"));
        Assert.That(html, Does.Not.Contain(" src="));
        Assert.That(html, Does.Not.Contain("<link"));
        Assert.That(html, Does.Contain("Debian linux-source-7.3 7.3.4-1~bpo13+1"));
        Assert.That(html, Does.Contain("landlock: Add a quiet flag for rules"));
        Assert.That(html, Does.Contain("<td>build</td>"));
    }

    [Test]
    public void Summary_lists_verdict_and_failures()
    {
        var summary = File.ReadAllText(_recorder.Folder.Summary);

        Assert.That(summary, Does.StartWith("# FAIL: run 20261204-201500-abcdef\n"));
        Assert.That(summary, Does.Contain("| `landlock/base_test/global.abi_version` | fail |"));
        Assert.That(summary, Does.Contain("| `landlock/hostile_output` | fail | printed \\<script\\>alert(1)\\</script\\> |"));
        Assert.That(summary, Does.Contain("## Kernel splats"));
        Assert.That(summary, Does.Contain("| build | pass |"));
        Assert.That(summary, Does.Contain("| `empty` | no-tests |"));
    }

    [Test]
    public void Json_round_trips()
    {
        var document = _recorder.Snapshot();

        var reread = ResultsJson.Deserialize(ResultsJson.Serialize(document));

        Assert.That(ResultsJson.Serialize(reread), Is.EqualTo(ResultsJson.Serialize(document)));
    }

    [Test]
    public void Json_with_other_schema_is_rejected()
    {
        var json = File.ReadAllText(_recorder.Folder.ResultsJson).Replace("harness-results/1", "harness-results/99");

        var error = Assert.Throws<JsonException>(() => ResultsJson.Deserialize(json));
        Assert.That(error!.Message, Is.EqualTo("results.json has schema 'harness-results/99'; this harness reads 'harness-results/1'."));
    }

    private static int Int(XmlElement element, string attribute) => int.Parse(element.GetAttribute(attribute));
}
