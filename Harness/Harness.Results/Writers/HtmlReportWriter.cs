using System.Net;
using System.Text;
using Harness.Suites.Ktap;
using Harness.Suites.Splats;

namespace Harness.Results;

/// <summary>
/// Writes report.html: one self-contained page (inline CSS and script, nothing
/// fetched) with the run's metadata and stage times at the top, then every test,
/// failures first, each opening in place to show its output and splat excerpts.
/// Filters by status and a text search run in the page. All text from the run is
/// HTML-escaped.
/// </summary>
public static class HtmlReportWriter
{
    public static string Render(ResultsDocument document)
    {
        var html = new StringBuilder(64 * 1024);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        html.Append("<title>").Append(H($"{Verdict(document.Status)}: harness run {document.RunId}")).Append("</title>\n");
        html.Append("<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");

        WriteHeader(html, document);
        WriteMetadata(html, document);
        WriteStages(html, document);
        WriteSuites(html, document);
        WriteRunSplats(html, document);
        WriteTests(html, document);

        html.Append("<script>\n").Append(Script).Append("</script>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static void WriteHeader(StringBuilder html, ResultsDocument document)
    {
        html.Append("<header>\n<h1><span class=\"verdict v-").Append(document.Status.ToKey()).Append("\">")
            .Append(H(Verdict(document.Status))).Append("</span> Run ").Append(H(document.RunId)).Append("</h1>\n");
        if (document.Status == RunVerdict.Running)
            html.Append("<p class=\"note\">The run has not finished; this page shows the results so far.</p>\n");
        if (document.StatusReason is { } reason)
            html.Append("<p class=\"reason\">").Append(H(reason)).Append("</p>\n");

        html.Append("<p class=\"counts\">").Append(H(document.Counts.ToString()));
        if (document.SplatCount > 0)
            html.Append(", <strong>").Append(document.SplatCount).Append(document.SplatCount == 1 ? " kernel splat" : " kernel splats").Append("</strong>");
        html.Append("</p>\n</header>\n");
    }

    private static void WriteMetadata(StringBuilder html, ResultsDocument document)
    {
        html.Append("<section>\n<h2>Run</h2>\n<table class=\"meta\">\n");
        Row(html, "Started", Formatting.Timestamp(document.StartedAt));
        if (document.EndedAt is { } ended)
            Row(html, "Ended", $"{Formatting.Timestamp(ended)} ({Formatting.Duration((ended - document.StartedAt).TotalSeconds)})");
        else
            Row(html, "Last update", Formatting.Timestamp(document.UpdatedAt));
        if (document.CommandLine.Count > 0)
            RawRow(html, "Command", "<code>" + H(string.Join(' ', document.CommandLine.Select(Harness.Core.ShellQuoting.Quote))) + "</code>");
        Row(html, "Base", document.BaseVersion);
        if (document.Series.Count > 0)
        {
            var series = new StringBuilder("<ol class=\"series\">");
            foreach (var patch in document.Series)
            {
                series.Append("<li><code>").Append(H(Formatting.ShortSha(patch.Sha))).Append("</code> ").Append(H(patch.Subject));
                if (patch.File is { } file)
                    series.Append(" <span class=\"dim\">").Append(H(file)).Append("</span>");
                series.Append("</li>");
            }
            RawRow(html, "Series", series.Append("</ol>").ToString());
        }
        else
        {
            Row(html, "Series", "no patches (the base alone)");
        }
        if (document.ProjectCommit is { } project)
        {
            RawRow(html, "Project commit", "<code>" + H(Formatting.ShortSha(project)) + "</code>"
                + (document.ProjectChanged ? " with uncommitted changes to kernel-patches/, selftests/ or vm-images/" : ""));
        }
        if (document.ConfigHash is { } configHash)
            RawRow(html, "Config hash", "<code>" + H(configHash) + "</code>");
        Row(html, "Accelerator", document.Accelerator);
        Row(html, "QEMU", document.QemuVersion);
        foreach (var (name, value) in document.Properties)
            Row(html, name, value);

        var artifacts = document.Artifacts.Where(artifact => artifact.Present).ToList();
        if (artifacts.Count > 0)
        {
            var links = string.Join(" · ", artifacts.Select(artifact =>
                $"<a href=\"{H(artifact.Path)}\">{H(artifact.Path)}</a>"));
            RawRow(html, "Logs", links);
        }
        RawRow(html, "Other files", "<a href=\"results.json\">results.json</a> · <a href=\"junit.xml\">junit.xml</a> · <a href=\"summary.md\">summary.md</a> · <a href=\"reproduce.sh\">reproduce.sh</a>");
        html.Append("</table>\n</section>\n");
    }

    private static void WriteStages(StringBuilder html, ResultsDocument document)
    {
        if (document.Stages.Count == 0)
            return;

        var total = document.Stages.Sum(stage => stage.DurationSeconds ?? 0);
        html.Append("<section>\n<h2>Stages</h2>\n<table class=\"grid\">\n<tr><th>Stage</th><th>Status</th><th>Time</th><th></th><th>Message</th></tr>\n");
        foreach (var stage in document.Stages)
        {
            var share = total > 0 && stage.DurationSeconds is { } seconds ? Math.Max(1, (int)Math.Round(100 * seconds / total)) : 0;
            html.Append("<tr><td>").Append(H(stage.Name)).Append("</td><td><span class=\"badge s-").Append(stage.Status.ToKey()).Append("\">")
                .Append(stage.Status.ToKey()).Append("</span></td><td class=\"num\">").Append(H(Formatting.Duration(stage.DurationSeconds)))
                .Append("</td><td class=\"bar\"><span style=\"width:").Append(share).Append("%\"></span></td><td>")
                .Append(H(stage.Message)).Append("</td></tr>\n");
        }
        html.Append("</table>\n</section>\n");
    }

    private static void WriteSuites(StringBuilder html, ResultsDocument document)
    {
        if (document.Suites.Count == 0)
            return;

        html.Append("<section>\n<h2>Suites</h2>\n<table class=\"grid\">\n<tr><th>Suite</th><th>Status</th><th>Tests</th><th>Time</th><th>Reason</th></tr>\n");
        foreach (var suite in document.Suites)
        {
            var status = suite.Finished ? suite.Status.ToKey() : "running";
            html.Append("<tr><td>").Append(H(suite.Name)).Append("</td><td><span class=\"badge s-").Append(status).Append("\">")
                .Append(status).Append("</span></td><td>").Append(H(suite.Counts.ToString())).Append("</td><td class=\"num\">")
                .Append(H(Formatting.Duration(suite.DurationSeconds))).Append("</td><td>").Append(H(suite.Reason)).Append("</td></tr>\n");
        }
        html.Append("</table>\n");

        foreach (var suite in document.Suites.Where(suite => suite.Problems.Count > 0 || suite.Output.Count > 0 || suite.Splats.Count > 0))
        {
            html.Append("<details class=\"suite\"><summary>Suite ").Append(H(suite.Name)).Append(": ");
            var parts = new List<string>();
            if (suite.Splats.Count > 0)
                parts.Add($"{suite.Splats.Count} kernel splats outside tests");
            if (suite.Problems.Count > 0)
                parts.Add($"{suite.Problems.Count} KTAP problems");
            if (suite.Output.Count > 0)
                parts.Add("output outside tests");
            html.Append(H(string.Join(", ", parts))).Append("</summary>\n");
            WriteSplatList(html, suite.Splats);
            if (suite.Problems.Count > 0)
                Pre(html, "problems", suite.Problems);
            if (suite.Output.Count > 0)
                Pre(html, "output", suite.Output);
            html.Append("</details>\n");
        }
        html.Append("</section>\n");
    }

    private static void WriteRunSplats(StringBuilder html, ResultsDocument document)
    {
        if (document.Splats.Count == 0)
            return;

        html.Append("<section>\n<h2>Kernel splats outside suites</h2>\n");
        WriteSplatList(html, document.Splats);
        html.Append("</section>\n");
    }

    private static void WriteTests(StringBuilder html, ResultsDocument document)
    {
        var tests = document.AllTests()
            .Select((entry, order) => (entry.Suite, entry.Test, Order: order))
            .OrderBy(entry => entry.Test.Splats.Count > 0 ? 0 : 1)
            .ThenBy(entry => entry.Test.Status.Urgency())
            .ThenBy(entry => entry.Order)
            .ToList();

        html.Append("<section>\n<h2>Tests</h2>\n<div class=\"toolbar\">\n");
        foreach (var status in Enum.GetValues<TestStatus>().OrderBy(status => status.Urgency()))
        {
            var count = tests.Count(entry => entry.Test.Status == status);
            if (count == 0)
                continue;
            html.Append("<label class=\"filter\"><input type=\"checkbox\" checked data-filter=\"").Append(status.ToKey())
                .Append("\"> <span class=\"badge s-").Append(status.ToKey()).Append("\">").Append(status.ToKey())
                .Append("</span> ").Append(count).Append("</label>\n");
        }
        html.Append("<input id=\"search\" type=\"search\" placeholder=\"Search ids, reasons and output\" aria-label=\"Search tests\">\n");
        html.Append("<button id=\"expand\" type=\"button\">Open shown</button> <button id=\"collapse\" type=\"button\">Close all</button>\n");
        html.Append("<span class=\"dim\"><span id=\"shown\">").Append(tests.Count).Append("</span> of ").Append(tests.Count).Append(" shown</span>\n</div>\n");

        if (tests.Count == 0)
            html.Append("<p class=\"note\">No test has reported yet.</p>\n");

        foreach (var (suite, test, _) in tests)
            WriteTest(html, suite, test);
        html.Append("</section>\n");
    }

    private static void WriteTest(StringBuilder html, SuiteRecord suite, TestRecord test)
    {
        var status = test.Status.ToKey();
        html.Append("<details class=\"test\" data-status=\"").Append(status).Append("\"><summary><span class=\"badge s-").Append(status)
            .Append("\">").Append(status).Append("</span> <code>").Append(H(test.Id)).Append("</code>");
        if (test.Splats.Count > 0)
            html.Append(" <span class=\"badge s-splat\">splat</span>");
        if (!test.Counted)
            html.Append(" <span class=\"dim\">(parent of ").Append(test.Subtests).Append(")</span>");
        if (test.Reason is { } reason)
            html.Append(" <span class=\"why\">").Append(H(reason)).Append("</span>");
        if (test.DurationSeconds is { } seconds)
            html.Append(" <span class=\"dim\">").Append(H(Formatting.Duration(seconds))).Append("</span>");
        html.Append("</summary>\n<div class=\"body\">\n<p class=\"dim\">Suite ").Append(H(suite.Name));
        if (test.Number is { } number)
            html.Append(", test ").Append(number);
        if (test.Directive is { } directive)
            html.Append(", directive ").Append(H(directive));
        if (test.ReportedStatus is { } reported)
            html.Append(", reported ").Append(reported.ToKey()).Append(" before the kernel splat");
        if (test.Synthesized)
            html.Append(", no result line: the status was concluded from the output");
        html.Append("</p>\n");

        WriteSplatList(html, test.Splats);
        if (test.Output.Count > 0)
            Pre(html, "output", test.Output);
        else
            html.Append("<p class=\"dim\">No output.</p>\n");
        html.Append("</div>\n</details>\n");
    }

    private static void WriteSplatList(StringBuilder html, IReadOnlyList<SplatRecord> splats)
    {
        foreach (var splat in splats)
        {
            html.Append("<div class=\"splat\"><p><span class=\"badge s-splat\">").Append(H(splat.Kind.ToKey())).Append("</span> ")
                .Append(H(splat.Message)).Append("</p>\n");
            Pre(html, "excerpt", splat.Excerpt);
            html.Append("</div>\n");
        }
    }

    private static void Pre(StringBuilder html, string cssClass, IEnumerable<string> lines)
    {
        html.Append("<pre class=\"").Append(cssClass).Append("\">");
        foreach (var line in lines)
            html.Append(H(line)).Append('\n');
        html.Append("</pre>\n");
    }

    private static void Row(StringBuilder html, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
            RawRow(html, name, H(value));
    }

    private static void RawRow(StringBuilder html, string name, string valueHtml) =>
        html.Append("<tr><th>").Append(H(name)).Append("</th><td>").Append(valueHtml).Append("</td></tr>\n");

    private static string Verdict(RunVerdict verdict) => verdict == RunVerdict.NoTests ? "NO TESTS" : verdict.ToKey().ToUpperInvariant();

    /// <summary>HTML-escapes text from the run; control characters become their Unicode pictures first.</summary>
    private static string H(string? text) => WebUtility.HtmlEncode(TextSanitizer.ForXml(text));

    private const string Style = """
        :root { --fail: #b3261e; --error: #8c1d8c; --pass: #1e7b34; --skip: #6b6b6b; --warn: #a15c00; }
        body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 78rem; padding: 0 1rem; color: #1b1b1b; }
        h1 { font-size: 1.5rem; margin: 0 0 .3rem; } h2 { font-size: 1.15rem; margin: 1.6rem 0 .5rem; }
        code, pre { font: 12.5px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
        pre { background: #f6f6f4; border: 1px solid #e2e2de; padding: .5rem .7rem; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
        table { border-collapse: collapse; } .meta th { text-align: left; padding: .15rem 1rem .15rem 0; vertical-align: top; color: #555; font-weight: 600; }
        .grid th, .grid td { border-bottom: 1px solid #e5e5e5; padding: .25rem .6rem; text-align: left; } .num { text-align: right; }
        .bar { width: 12rem; } .bar span { display: block; height: .6rem; background: #7a9cc6; }
        .verdict { padding: .1rem .6rem; border-radius: .3rem; color: #fff; background: var(--skip); }
        .v-pass { background: var(--pass); } .v-fail { background: var(--fail); } .v-error, .v-incomplete, .v-cancelled { background: var(--error); } .v-running { background: var(--warn); }
        .badge { display: inline-block; min-width: 3.2rem; text-align: center; font-size: 11.5px; padding: 0 .35rem; border-radius: .25rem; background: #e8e8e8; color: #333; }
        .s-pass, .s-xpass { background: #d7eedb; color: var(--pass); } .s-fail, .s-timeout { background: #f6d5d2; color: var(--fail); }
        .s-error { background: #efd6ef; color: var(--error); } .s-running { background: #fbe7c6; color: var(--warn); }
        .s-splat { background: var(--fail); color: #fff; }
        .toolbar { display: flex; flex-wrap: wrap; gap: .4rem .9rem; align-items: center; margin-bottom: .6rem; }
        #search { flex: 1 1 16rem; padding: .3rem .5rem; }
        details.test { border-bottom: 1px solid #ececec; } details.test > summary { padding: .25rem 0; cursor: pointer; }
        details.suite > summary { cursor: pointer; margin: .3rem 0; }
        .body { padding: 0 0 .6rem 1.4rem; } .why { color: #444; } .dim { color: #777; } .note, .reason { color: #444; }
        .splat { border-left: 3px solid var(--fail); padding-left: .6rem; margin: .4rem 0; }
        ol.series { margin: 0; padding-left: 1.2rem; }

        """;

    // Filters and search work on the rendered page; nothing is fetched.
    private const string Script = """
        (function () {
          var tests = Array.prototype.slice.call(document.querySelectorAll('details.test'));
          var boxes = Array.prototype.slice.call(document.querySelectorAll('input[data-filter]'));
          var search = document.getElementById('search');
          var shown = document.getElementById('shown');
          var texts = tests.map(function (test) { return test.textContent.toLowerCase(); });
          function apply() {
            var on = {};
            boxes.forEach(function (box) { on[box.getAttribute('data-filter')] = box.checked; });
            var query = search.value.trim().toLowerCase();
            var count = 0;
            tests.forEach(function (test, i) {
              var visible = on[test.getAttribute('data-status')] !== false && (query === '' || texts[i].indexOf(query) >= 0);
              test.hidden = !visible;
              if (visible) count++;
            });
            shown.textContent = count;
          }
          boxes.forEach(function (box) { box.addEventListener('change', apply); });
          search.addEventListener('input', apply);
          document.getElementById('expand').addEventListener('click', function () {
            tests.forEach(function (test) { if (!test.hidden) test.open = true; });
          });
          document.getElementById('collapse').addEventListener('click', function () {
            tests.forEach(function (test) { test.open = false; });
          });
          apply();
        })();

        """;
}
