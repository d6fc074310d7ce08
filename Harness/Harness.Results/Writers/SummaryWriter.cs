using System.Text;
using Harness.Suites.Ktap;

namespace Harness.Results;

/// <summary>Writes summary.md: the verdict, counts, failing tests with their reason, splats, suites and stage times.</summary>
public static class SummaryWriter
{
    /// <summary>Failing tests listed before the rest are only counted, so the file stays short.</summary>
    public const int MaxListedFailures = 50;

    public static string Render(ResultsDocument document)
    {
        var text = new StringBuilder();
        text.Append("# ").Append(VerdictTitle(document.Status)).Append(": run ").Append(document.RunId).Append("\n\n");
        if (document.Status == RunVerdict.Running)
            text.Append("The run has not finished; these are the results so far.\n\n");
        if (document.StatusReason is { } reason)
            text.Append(Inline(reason)).Append("\n\n");

        text.Append(document.Counts.ToString());
        if (document.SplatCount > 0)
            text.Append(", ").Append(document.SplatCount).Append(document.SplatCount == 1 ? " kernel splat" : " kernel splats");
        if (document.EndedAt is { } ended)
            text.Append(", ").Append(Formatting.Duration((ended - document.StartedAt).TotalSeconds));
        text.Append(".\n\n");

        WriteMetadata(text, document);
        WriteFailures(text, document);
        WriteSplats(text, document);
        WriteSuites(text, document);
        WriteStages(text, document);
        return text.ToString();
    }

    private static void WriteMetadata(StringBuilder text, ResultsDocument document)
    {
        if (document.BaseVersion is { } baseVersion)
            text.Append("- Base: ").Append(Inline(baseVersion)).Append('\n');
        if (document.Series.Count > 0)
        {
            text.Append("- Series: ").Append(document.Series.Count).Append(document.Series.Count == 1 ? " patch\n" : " patches\n");
            foreach (var patch in document.Series)
                text.Append("  - ").Append(Code(Formatting.ShortSha(patch.Sha))).Append(' ').Append(Inline(patch.Subject)).Append('\n');
        }
        if (document.ProjectCommit is { } project)
        {
            text.Append("- Project commit: ").Append(Code(Formatting.ShortSha(project)))
                .Append(document.ProjectChanged ? ", with uncommitted changes to kernel-patches/, selftests/ or vm-images/\n" : "\n");
        }
        if (document.ConfigHash is { } configHash)
            text.Append("- Config: ").Append(Code(configHash)).Append('\n');
        if (document.Accelerator is not null || document.QemuVersion is not null)
        {
            text.Append("- Guest: ").Append(Inline(document.Accelerator ?? "accelerator unknown"));
            if (document.QemuVersion is { } qemu)
                text.Append(", ").Append(Inline(qemu));
            text.Append('\n');
        }
        text.Append("- Started: ").Append(Formatting.Timestamp(document.StartedAt)).Append('\n');
        text.Append('\n');
    }

    private static void WriteFailures(StringBuilder text, ResultsDocument document)
    {
        var failures = document.AllTests()
            .Where(entry => entry.Test.Counted && entry.Test.Status.IsFailure())
            .OrderBy(entry => entry.Test.Status.Urgency())
            .ToList();
        var failedSuites = document.Suites
            .Where(suite => suite.Status.IsFailure() && !suite.Tests.Any(test => test.Counted && test.Status.IsFailure()))
            .ToList();
        if (failures.Count == 0 && failedSuites.Count == 0)
            return;

        text.Append("## Failures\n\n| Test | Status | Reason |\n| --- | --- | --- |\n");
        foreach (var suite in failedSuites)
            text.Append("| ").Append(Code(suite.Name)).Append(" (suite) | ").Append(suite.Status.ToKey()).Append(" | ").Append(Cell(suite.Reason)).Append(" |\n");
        foreach (var (_, test) in failures.Take(MaxListedFailures))
            text.Append("| ").Append(Code(test.Id)).Append(" | ").Append(test.Status.ToKey()).Append(" | ").Append(Cell(test.Reason)).Append(" |\n");
        if (failures.Count > MaxListedFailures)
            text.Append("\nand ").Append(failures.Count - MaxListedFailures).Append(" more; see report.html.\n");
        text.Append('\n');
    }

    private static void WriteSplats(StringBuilder text, ResultsDocument document)
    {
        if (document.SplatCount == 0)
            return;

        text.Append("## Kernel splats\n\n");
        foreach (var (_, test) in document.AllTests())
        {
            foreach (var splat in test.Splats)
                text.Append("- ").Append(Code(test.Id)).Append(": ").Append(Inline(splat.Title)).Append('\n');
        }
        foreach (var suite in document.Suites)
        {
            foreach (var splat in suite.Splats)
                text.Append("- ").Append(Code(splat.TestId ?? suite.Name)).Append(": ").Append(Inline(splat.Title)).Append('\n');
        }
        foreach (var splat in document.Splats)
            text.Append("- outside any suite: ").Append(Inline(splat.Title)).Append('\n');
        text.Append('\n');
    }

    private static void WriteSuites(StringBuilder text, ResultsDocument document)
    {
        if (document.Suites.Count == 0)
            return;

        text.Append("## Suites\n\n| Suite | Status | Passed | Failed | Skipped | Time |\n| --- | --- | ---: | ---: | ---: | ---: |\n");
        foreach (var suite in document.Suites)
        {
            var counts = suite.Counts;
            var status = suite.Finished ? suite.Status.ToKey() : "running";
            text.Append("| ").Append(Code(suite.Name)).Append(" | ").Append(status)
                .Append(" | ").Append(counts.Pass + counts.XPass)
                .Append(" | ").Append(counts.Failures)
                .Append(" | ").Append(counts.Skip + counts.XFail + counts.Todo + counts.NoTests)
                .Append(" | ").Append(Formatting.Duration(suite.DurationSeconds)).Append(" |\n");
        }
        text.Append('\n');
    }

    private static void WriteStages(StringBuilder text, ResultsDocument document)
    {
        if (document.Stages.Count == 0)
            return;

        text.Append("## Stages\n\n| Stage | Status | Time | Message |\n| --- | --- | ---: | --- |\n");
        foreach (var stage in document.Stages)
        {
            text.Append("| ").Append(Cell(stage.Name)).Append(" | ").Append(stage.Status.ToKey())
                .Append(" | ").Append(Formatting.Duration(stage.DurationSeconds))
                .Append(" | ").Append(Cell(stage.Message)).Append(" |\n");
        }
    }

    private static string VerdictTitle(RunVerdict verdict) => verdict switch
    {
        RunVerdict.NoTests => "NO TESTS",
        _ => verdict.ToKey().ToUpperInvariant(),
    };

    /// <summary>Text on one line with the characters that would start markup escaped.</summary>
    private static string Inline(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var character in TextSanitizer.ForXml(text))
        {
            if (character is '\\' or '`' or '*' or '_' or '[' or ']' or '<' or '>' or '|' or '#')
                builder.Append('\\');
            builder.Append(character is '\n' or '\r' ? ' ' : character);
        }
        return builder.ToString();
    }

    private static string Cell(string? text) => text is null ? "" : Inline(text);

    /// <summary>A code span; a fence longer than any run of backticks inside keeps it intact.</summary>
    private static string Code(string text)
    {
        var clean = TextSanitizer.ForXml(text).Replace('\n', ' ').Replace('\r', ' ').Replace("|", "\\|");
        var longest = 0;
        var run = 0;
        foreach (var character in clean)
        {
            run = character == '`' ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }
        var fence = new string('`', longest + 1);
        return longest == 0 ? $"{fence}{clean}{fence}" : $"{fence} {clean} {fence}";
    }
}
