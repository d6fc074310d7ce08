using System.ComponentModel;
using Harness.Cli.Infrastructure;
using Harness.Series;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Harness.Cli.Commands;

public sealed class SeriesApplyCommand : AsyncCommand<SeriesApplyCommand.Settings>
{
    public sealed class Settings : PrefixSettings
    {
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var pipeline = new Pipeline(settings);
        var selection = Pipeline.Selection(settings, settings.UpTo);
        var kernelBase = await pipeline.Workspace.PrepareBaseAsync(selection, cancellationToken);
        var applied = await pipeline.Workspace.ApplySeriesAsync(kernelBase, selection, cancellationToken);

        Output.Line($"base: {kernelBase.Description}");
        foreach (var commit in applied.Commits)
            Output.Line($"  {commit.Sha[..12]} {commit.Subject}");
        if (applied.Commits.Count == 0)
            Output.Line("  (no patches applied)");
        Output.Line($"work tree: {applied.TreePath}");
        Output.Line("Edit the commits there (git commit --amend, git rebase -i), then run './harness series export'.");
        return 0;
    }
}

public sealed class SeriesExportCommand : AsyncCommand<KernelSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, KernelSettings settings, CancellationToken cancellationToken)
    {
        using var pipeline = new Pipeline(settings);
        var kernelBase = await pipeline.Workspace.PrepareBaseAsync(Pipeline.Selection(settings), cancellationToken);
        var exporter = new SeriesExporter(pipeline.Workspace.Applier, pipeline.Runner, pipeline.Logger);
        await exporter.ExportAsync(kernelBase, pipeline.Paths.KernelPatches, cancellationToken, settings.Force);
        return 0;
    }
}

public sealed class SeriesCheckCommand : AsyncCommand<KernelSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, KernelSettings settings, CancellationToken cancellationToken)
    {
        using var pipeline = new Pipeline(settings);
        var kernelBase = await pipeline.Workspace.PrepareBaseAsync(Pipeline.Selection(settings), cancellationToken);
        var series = SeriesFile.Read(pipeline.Paths.KernelPatches);
        if (series.PatchFiles.Count == 0)
        {
            Output.Line("The series is empty: nothing to check.");
            return 0;
        }

        // checkpatch.pl comes from the base, which every patch is checked against.
        var checks = await new SeriesChecker(pipeline.Runner).CheckAsync(kernelBase.RepositoryPath, series, cancellationToken);
        foreach (var check in checks)
            Report(check);

        var failed = checks.Count(c => !c.Passed);
        Output.Line($"{checks.Count - failed} of {checks.Count} patches have no errors; " +
                    $"{Count(checks.Sum(c => c.Warnings), "warning")} and {Count(checks.Sum(c => c.Checks), "check")} in all.");
        return failed == 0 ? 0 : 1;
    }

    private static string Count(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    /// <summary>
    /// Prints one heading line per patch with the counts, then its findings: a
    /// table on a terminal, one plain line per finding elsewhere. Plain lines keep
    /// file names whole where no terminal width applies.
    /// </summary>
    private static void Report(PatchCheck check)
    {
        var counts = check.Findings.Count == 0
            ? "clean"
            : $"{Count(check.Errors, "error")}, {Count(check.Warnings, "warning")}, {Count(check.Checks, "check")}";
        if (!Output.IsInteractive)
        {
            Console.Error.WriteLine($"{check.PatchFile}: {counts}");
            foreach (var finding in check.Findings)
                Console.Error.WriteLine($"  {finding.Severity,-7} {(string.IsNullOrEmpty(finding.Location) ? "" : finding.Location + ": ")}{finding.Message}");
            return;
        }

        var colour = check.Errors > 0 ? "red" : check.Findings.Count > 0 ? "yellow" : "green";
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(check.PatchFile)}[/]: [{colour}]{counts}[/]");
        if (check.Findings.Count == 0)
            return;
        var table = new Table().AddColumns("severity", "where", "message");
        foreach (var finding in check.Findings)
        {
            var severity = finding.Severity switch { "ERROR" => "red", "WARNING" => "yellow", _ => "grey" };
            table.AddRow($"[{severity}]{finding.Severity}[/]", Markup.Escape(finding.Location ?? ""), Markup.Escape(finding.Message));
        }
        AnsiConsole.Write(table);
    }
}
