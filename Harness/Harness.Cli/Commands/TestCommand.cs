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
        [Description("Passed to 'dotnet test --filter', e.g. 'Category=part1' or 'Category=C#'.")]
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

/// <summary>Adds up the summary line `dotnet test` prints for each test project.</summary>
internal sealed partial class TestTotals
{
    public int Passed { get; private set; }
    public int Failed { get; private set; }
    public int Skipped { get; private set; }

    public void Read(string line)
    {
        var match = Summary().Match(line);
        if (!match.Success)
            return;
        Failed += int.Parse(match.Groups["failed"].Value, System.Globalization.CultureInfo.InvariantCulture);
        Passed += int.Parse(match.Groups["passed"].Value, System.Globalization.CultureInfo.InvariantCulture);
        Skipped += int.Parse(match.Groups["skipped"].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(?:Passed|Failed)!\s+-\s+Failed:\s+(?<failed>\d+),\s+Passed:\s+(?<passed>\d+),\s+Skipped:\s+(?<skipped>\d+)")]
    private static partial System.Text.RegularExpressions.Regex Summary();
}
