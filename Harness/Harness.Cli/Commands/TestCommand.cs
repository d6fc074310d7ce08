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

        // Closing lines over every test project, in the plain form CI systems
        // read ("N passed, N failed"), then the failed tests by name.
        foreach (var line in totals.Report())
            Console.WriteLine(line);

        // dotnet test passes when a filter selects nothing; a typo in a CI
        // filter must not look like a green run.
        if (outcome.ExitCode == 0 && totals.Passed + totals.Failed + totals.Skipped == 0)
        {
            Output.Error(settings.Filter is { } unmatched
                ? $"No test matches --filter '{unmatched}'. Categories are part names (base, part1, ...), C and CSharp; see README.md."
                : "dotnet test ran no test.");
            return CommandLine.HarnessError;
        }
        return outcome.ExitCode;
    }
}
