using System.ComponentModel;
using Harness.Cli.Infrastructure;
using Harness.Results;
using Harness.Runs;
using Harness.Vm;
using Spectre.Console.Cli;

namespace Harness.Cli.Commands;

public sealed class RunCommand : AsyncCommand<RunCommand.Settings>
{
    public sealed class Settings : GuestRunSettings
    {
        [CommandOption("--up-to <N>")]
        [Description(PrefixSettings.UpToDescription)]
        public int? UpTo { get; init; }

        [CommandOption("--keep-vm")]
        [Description("Leave the guest running after the suites; log in with './harness ssh', stop it with Ctrl+C.")]
        public bool KeepVm { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var pipeline = new Pipeline(settings);
        var options = settings.ToRunOptions() with { KeepVm = settings.KeepVm };
        options = options with { Kernel = options.Kernel with { UpTo = settings.UpTo } };

        RunFolder? folder = null;
        var outcome = await new TestRun(pipeline.Workspace).RunAsync(options, f =>
        {
            folder = f;
            pipeline.LoggerProvider.AttachFile(Path.Combine(f.Path, "harness.log"));
            Output.Line($"results: {f.Path}");
        }, cancellationToken);

        if (settings.Filter is { } filter && !outcome.Counts.AnyRan())
        {
            Output.Error($"No test id contains '{filter}' in the suites that ran; see the ids in {outcome.Folder.ResultsJson} of a run without --filter.");
            return CommandLine.HarnessError;
        }

        Output.Line("");
        Output.Line(File.Exists(outcome.Folder.Summary) ? File.ReadAllText(outcome.Folder.Summary).Trim() : "");
        Output.Line("");
        Output.Line($"report: {outcome.Folder.Report}");
        Output.Line($"verdict: {outcome.Verdict.ToString().ToLowerInvariant()} ({outcome.Counts.Pass} passed, {outcome.Counts.Failures} failed, {outcome.Counts.Skip} skipped)");
        return outcome.ExitCode;
    }
}
