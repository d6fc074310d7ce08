using System.ComponentModel;
using Harness.Cli.Infrastructure;
using Harness.Core;
using Spectre.Console.Cli;

namespace Harness.Cli.Commands;

public sealed class TestCommand : AsyncCommand<TestCommand.Settings>
{
    public sealed class Settings : HarnessSettings
    {
        [CommandOption("--filter <EXPRESSION>")]
        [Description("Passed to 'dotnet test --filter', e.g. 'Category=part1', 'Category=CSharp' or 'Category=C'.")]
        public string? Filter { get; init; }

        [CommandOption("--fast")]
        [Description("Run only the fast tests (no kernel build, no VM).")]
        public bool Fast { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var pipeline = new Pipeline(settings);
        await pipeline.Workspace.EnsurePrerequisitesAsync(cancellationToken);

        var target = settings.Fast
            ? Path.Combine(pipeline.Paths.RepositoryRoot, "Harness", "Harness.Tests", "Harness.Tests.csproj")
            : Path.Combine(pipeline.Paths.RepositoryRoot, "Harness.sln");
        var arguments = new List<string> { "test", target, "--nologo", "--logger", "console;verbosity=normal" };
        if (settings.Filter is { } filter)
            arguments.AddRange(["--filter", filter]);

        var totals = new TestTotals();
        var outcome = await pipeline.Runner.RunAsync(new ExternalCommand("dotnet", arguments), line =>
        {
            Console.WriteLine(line);
            totals.Read(line);
        }, cancellationToken);

        // One closing line over every test project, in the plain form CI
        // systems read ("N passed, N failed").
        Console.WriteLine($"{totals.Passed} passed, {totals.Failed} failed, {totals.Skipped} skipped");
        return outcome.ExitCode;
    }
}

/// <summary>
/// Adds up the counts `dotnet test` prints for each test project: the one-line
/// form ("Passed!  - Failed: 0, Passed: 5, Skipped: 0") of the minimal console
/// logger, or the "Passed: N" lines after "Total tests:" of the normal one.
/// </summary>
internal sealed partial class TestTotals
{
    public int Passed { get; private set; }
    public int Failed { get; private set; }
    public int Skipped { get; private set; }

    public void Read(string line)
    {
        var summary = Summary().Match(line);
        if (summary.Success)
        {
            Failed += Number(summary.Groups["failed"]);
            Passed += Number(summary.Groups["passed"]);
            Skipped += Number(summary.Groups["skipped"]);
            return;
        }

        var count = Count().Match(line);
        if (!count.Success)
            return;
        var value = Number(count.Groups["count"]);
        switch (count.Groups["kind"].Value)
        {
            case "Passed":
                Passed += value;
                break;
            case "Failed":
                Failed += value;
                break;
            case "Skipped":
                Skipped += value;
                break;
        }
    }

    private static int Number(System.Text.RegularExpressions.Group group) =>
        int.Parse(group.Value, System.Globalization.CultureInfo.InvariantCulture);

    [System.Text.RegularExpressions.GeneratedRegex(@"(?:Passed|Failed)!\s+-\s+Failed:\s+(?<failed>\d+),\s+Passed:\s+(?<passed>\d+),\s+Skipped:\s+(?<skipped>\d+)")]
    private static partial System.Text.RegularExpressions.Regex Summary();

    [System.Text.RegularExpressions.GeneratedRegex(@"^\s+(?<kind>Passed|Failed|Skipped):\s+(?<count>\d+)\s*$")]
    private static partial System.Text.RegularExpressions.Regex Count();
}
