using System.Globalization;
using System.Text;
using System.Xml;
using Harness.Suites.Ktap;

namespace Harness.Results;

/// <summary>
/// Writes junit.xml in the Jenkins JUnit shape that GitLab, Jenkins and the
/// GitHub test-report actions read: testsuites/testsuite/testcase, with
/// failure, error and skipped elements and system-out.
/// </summary>
/// <remarks>
/// <para>One testsuite per suite. A testcase per test that counts as a test case
/// (<see cref="TestRecord.Counted"/>): classname is the id without its last
/// segment, name is the last segment.</para>
/// <para>Status mapping: fail and timeout are failures (type "fail", "timeout",
/// or "kernel-splat" when a splat made the test fail); error is an error; skip,
/// no-tests, xfail and todo are skipped with that type (as pytest writes xfail);
/// pass and xpass pass.</para>
/// <para>Failures that belong to no test still reach CI: a suite that failed with
/// no failing test case gets a "(suite)" case, splats outside tests a "(kernel
/// splats)" case, and failed stages and run-level splats go into a "(run)"
/// testsuite.</para>
/// </remarks>
public static class JUnitWriter
{
    public const string RunSuiteName = "(run)";

    public static void Write(Stream stream, ResultsDocument document)
    {
        var settings = new XmlWriterSettings
        {
            Indent = true,
            Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            NewLineChars = "\n",
        };
        using var xml = XmlWriter.Create(stream, settings);

        var suites = document.Suites.Select(BuildSuite).ToList();
        var runSuite = BuildRunSuite(document);
        if (runSuite.Cases.Count > 0)
            suites.Add(runSuite);

        xml.WriteStartDocument();
        xml.WriteStartElement("testsuites");
        xml.WriteAttributeString("name", $"harness run {document.RunId}");
        xml.WriteAttributeString("tests", Count(suites.Sum(suite => suite.Cases.Count)));
        xml.WriteAttributeString("failures", Count(suites.Sum(suite => suite.Failures)));
        xml.WriteAttributeString("errors", Count(suites.Sum(suite => suite.Errors)));
        xml.WriteAttributeString("disabled", "0");
        if (document.EndedAt is { } ended)
            xml.WriteAttributeString("time", Formatting.Seconds((ended - document.StartedAt).TotalSeconds));

        for (var index = 0; index < suites.Count; index++)
            WriteSuite(xml, suites[index], index, document);

        xml.WriteEndElement();
        xml.WriteEndDocument();
    }

    private static void WriteSuite(XmlWriter xml, JUnitSuite suite, int index, ResultsDocument document)
    {
        xml.WriteStartElement("testsuite");
        xml.WriteAttributeString("name", Clean(suite.Name));
        xml.WriteAttributeString("tests", Count(suite.Cases.Count));
        xml.WriteAttributeString("failures", Count(suite.Failures));
        xml.WriteAttributeString("errors", Count(suite.Errors));
        xml.WriteAttributeString("skipped", Count(suite.Skipped));
        xml.WriteAttributeString("disabled", "0");
        xml.WriteAttributeString("id", Count(index));
        xml.WriteAttributeString("package", Clean(suite.Name));
        if (suite.DurationSeconds is { } seconds)
            xml.WriteAttributeString("time", Formatting.Seconds(seconds));
        if (suite.StartedAt is { } started)
            xml.WriteAttributeString("timestamp", started.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture));

        WriteProperties(xml, document);
        foreach (var testCase in suite.Cases)
            WriteCase(xml, testCase);
        if (suite.Output.Length > 0)
            xml.WriteElementString("system-out", Clean(suite.Output));

        xml.WriteEndElement();
    }

    private static void WriteProperties(XmlWriter xml, ResultsDocument document)
    {
        var properties = new List<(string Name, string Value)> { ("run-id", document.RunId) };
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
                properties.Add((name, value));
        }

        Add("base", document.BaseVersion);
        Add("config-hash", document.ConfigHash);
        Add("accelerator", document.Accelerator);
        Add("qemu", document.QemuVersion);
        for (var i = 0; i < document.Series.Count; i++)
            Add($"patch.{i + 1}", $"{Formatting.ShortSha(document.Series[i].Sha)} {document.Series[i].Subject}");
        foreach (var (name, value) in document.Properties)
            Add(name, value);

        xml.WriteStartElement("properties");
        foreach (var (name, value) in properties)
        {
            xml.WriteStartElement("property");
            xml.WriteAttributeString("name", Clean(name));
            xml.WriteAttributeString("value", Clean(value));
            xml.WriteEndElement();
        }
        xml.WriteEndElement();
    }

    private static void WriteCase(XmlWriter xml, JUnitCase testCase)
    {
        xml.WriteStartElement("testcase");
        xml.WriteAttributeString("name", Clean(testCase.Name));
        xml.WriteAttributeString("classname", Clean(testCase.ClassName));
        if (testCase.DurationSeconds is { } seconds)
            xml.WriteAttributeString("time", Formatting.Seconds(seconds));

        if (testCase.Outcome is { } outcome)
        {
            xml.WriteStartElement(outcome.Element);
            xml.WriteAttributeString("message", Clean(outcome.Message));
            xml.WriteAttributeString("type", outcome.Type);
            if (outcome.Text.Length > 0)
                xml.WriteString(Clean(outcome.Text));
            xml.WriteEndElement();
        }

        if (testCase.Output.Length > 0)
            xml.WriteElementString("system-out", Clean(testCase.Output));
        xml.WriteEndElement();
    }

    private static JUnitSuite BuildSuite(SuiteRecord suite)
    {
        var cases = new List<JUnitCase>();
        foreach (var test in suite.Tests.Where(test => test.Counted))
        {
            cases.Add(new JUnitCase(
                Formatting.IdLeaf(test.Id),
                Formatting.IdParent(test.Id, suite.Name),
                test.DurationSeconds,
                Outcome(test),
                string.Join('\n', test.Output)));
        }

        // Splats outside tests get their own case below, which already shows the failure.
        var failureShown = suite.Splats.Count > 0 || cases.Any(testCase => testCase.Outcome?.Element is "failure" or "error");
        if (suite.Status.IsFailure() && !failureShown)
        {
            var message = suite.Reason ?? $"suite {suite.Name} ended with status {suite.Status.ToKey()}";
            var element = suite.Status == TestStatus.Error ? "error" : "failure";
            cases.Add(new JUnitCase("(suite)", suite.Name, suite.DurationSeconds,
                new JUnitOutcome(element, suite.Status.ToKey(), message, string.Join('\n', suite.Problems)),
                string.Join('\n', suite.Output)));
        }

        if (suite.Splats.Count > 0)
            cases.Add(SplatCase(suite.Name, suite.Splats));

        var output = new StringBuilder();
        foreach (var problem in suite.Problems)
            output.Append("KTAP problem: ").Append(problem).Append('\n');
        output.AppendJoin('\n', suite.Output);
        return new JUnitSuite(suite.Name, suite.StartedAt, suite.DurationSeconds, cases, output.ToString().TrimEnd('\n'));
    }

    private static JUnitSuite BuildRunSuite(ResultsDocument document)
    {
        var cases = new List<JUnitCase>();
        foreach (var stage in document.Stages.Where(stage => stage.Status == StageStatus.Fail))
        {
            var message = stage.Message ?? $"stage {stage.Name} failed";
            cases.Add(new JUnitCase($"(stage) {stage.Name}", RunSuiteName, stage.DurationSeconds,
                new JUnitOutcome("error", "stage", message, message), ""));
        }
        if (document.Splats.Count > 0)
            cases.Add(SplatCase(RunSuiteName, document.Splats));
        return new JUnitSuite(RunSuiteName, document.StartedAt, null, cases, "");
    }

    private static JUnitCase SplatCase(string className, IReadOnlyList<SplatRecord> splats)
    {
        var message = splats.Count == 1 ? splats[0].Message : $"{splats.Count} kernel splats; the first: {splats[0].Message}";
        return new JUnitCase("(kernel splats)", className, null,
            new JUnitOutcome("failure", "kernel-splat", message, SplatText(splats)), "");
    }

    private static JUnitOutcome? Outcome(TestRecord test)
    {
        var reason = test.Reason ?? "";
        switch (test.Status)
        {
            case TestStatus.Fail:
            case TestStatus.Timeout:
            {
                var type = test.ReportedStatus is not null && test.Splats.Count > 0 ? "kernel-splat" : test.Status.ToKey();
                var message = reason.Length > 0 ? reason : test.Status == TestStatus.Timeout ? "timed out" : "failed";
                return new JUnitOutcome("failure", type, message, FailureText(test));
            }
            case TestStatus.Error:
                return new JUnitOutcome("error", "error", reason.Length > 0 ? reason : "error", FailureText(test));
            case TestStatus.Skip:
            case TestStatus.XFail:
            case TestStatus.Todo:
            case TestStatus.NoTests:
                return new JUnitOutcome("skipped", test.Status.ToKey(), reason.Length > 0 ? reason : test.Status.ToKey(), "");
            default:
                return null;
        }
    }

    private static string FailureText(TestRecord test)
    {
        var text = new StringBuilder();
        if (test.Reason is { Length: > 0 })
            text.Append(test.Reason).Append('\n');
        if (test.ReportedStatus is { } reported)
            text.Append("The test reported ").Append(reported.ToKey()).Append("; a kernel splat during it makes it fail.\n");
        if (test.Splats.Count > 0)
            text.Append(SplatText(test.Splats));
        return text.ToString().TrimEnd('\n');
    }

    private static string SplatText(IReadOnlyList<SplatRecord> splats)
    {
        var text = new StringBuilder();
        foreach (var splat in splats)
        {
            text.Append('\n').Append(splat.Message).Append('\n');
            foreach (var line in splat.Excerpt)
                text.Append(line).Append('\n');
        }
        return text.ToString();
    }

    private static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Clean(string? text) => TextSanitizer.ForXml(text);

    private sealed record JUnitOutcome(string Element, string Type, string Message, string Text);

    private sealed record JUnitCase(string Name, string ClassName, double? DurationSeconds, JUnitOutcome? Outcome, string Output);

    private sealed record JUnitSuite(string Name, DateTimeOffset? StartedAt, double? DurationSeconds, List<JUnitCase> Cases, string Output)
    {
        public int Failures => Cases.Count(testCase => testCase.Outcome?.Element == "failure");
        public int Errors => Cases.Count(testCase => testCase.Outcome?.Element == "error");
        public int Skipped => Cases.Count(testCase => testCase.Outcome?.Element == "skipped");
    }
}
