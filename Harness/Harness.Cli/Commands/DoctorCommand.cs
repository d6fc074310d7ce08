using System.ComponentModel;
using Harness.Cli.Infrastructure;
using Harness.Core;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Harness.Cli.Commands;

public sealed class DoctorCommand : AsyncCommand<DoctorCommand.Settings>
{
    public sealed class Settings : HarnessSettings
    {
        [CommandOption("--install")]
        [Description("Install the missing packages with apt-get, and add Debian's trixie-backports suite pinned at priority 100.")]
        public bool Install { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var pipeline = new Pipeline(settings);
        var prerequisites = new Prerequisites(pipeline.Runner, pipeline.Logger);
        if (settings.Install)
            await prerequisites.EnsureAsync(cancellationToken);

        var statuses = prerequisites.Check();
        var table = new Table().AddColumns("tool", "package", "used for", "status");
        foreach (var status in statuses)
        {
            table.AddRow(
                Markup.Escape(status.Requirement.Name),
                Markup.Escape(status.Requirement.Package),
                Markup.Escape(status.Requirement.UsedFor),
                status.Present ? "[green]found[/]" : "[red]missing[/]");
        }
        var backports = Prerequisites.BackportsConfigured();
        table.AddRow("trixie-backports apt source", "-", "kernel source (linux-source-7.3)", backports ? "[green]found[/]" : "[red]missing[/]");
        AnsiConsole.Write(table);

        var missing = statuses.Count(s => !s.Present) + (backports ? 0 : 1);
        if (missing == 0)
            return 0;
        Output.Error($"{missing} requirement(s) missing; run './harness doctor --install' (as root) to install them.");
        return 1;
    }
}
