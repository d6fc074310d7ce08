using System.ComponentModel;
using Harness.Cli.Infrastructure;
using Harness.Results;
using Harness.Runs;
using Harness.Vm;
using Spectre.Console.Cli;

namespace Harness.Cli.Commands;

public sealed class RunCommand : AsyncCommand<RunCommand.Settings>
{
    public sealed class Settings : KernelSettings
    {
        [CommandOption("-s|--suite <NAME>")]
        [Description("Run only this suite (kselftest/landlock, c/part1, csharp/base, ...), a prefix ending in '/', or a part (base, part1, ...). Repeatable.")]
        public string[] Suites { get; init; } = [];

        [CommandOption("-f|--filter <TEXT>")]
        [Description("Run only the tests whose id contains TEXT, e.g. 'base_test/' or 'abi_version'.")]
        public string? Filter { get; init; }

        [CommandOption("--keep-vm")]
        [Description("Leave the guest running after the suites; log in with './harness ssh', stop it with Ctrl+C.")]
        public bool KeepVm { get; init; }

        [CommandOption("--memory <MIB>")]
        [Description("Guest memory in MiB.")]
        [DefaultValue(2048)]
        public int MemoryMiB { get; init; } = 2048;

        [CommandOption("--cpus <N>")]
        [Description("Guest CPUs.")]
        [DefaultValue(2)]
        public int Cpus { get; init; } = 2;

        [CommandOption("--accel <MODE>")]
        [Description("auto (KVM only if a guest really boots with it, else TCG), kvm or tcg.")]
        [DefaultValue("auto")]
        public string Accelerator { get; init; } = "auto";

        public override Spectre.Console.ValidationResult Validate()
        {
            if (MemoryMiB < 128)
                return Spectre.Console.ValidationResult.Error($"--memory {MemoryMiB} is too small: the guest needs at least 128 MiB.");
            if (Cpus is < 1 or > 8)
                return Spectre.Console.ValidationResult.Error($"--cpus {Cpus} is out of range: the kernel config allows 1 to 8.");
            if (Accelerator is not ("auto" or "kvm" or "tcg"))
                return Spectre.Console.ValidationResult.Error($"--accel '{Accelerator}' is not one of auto, kvm, tcg.");
            return base.Validate();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var pipeline = new Pipeline(settings);
        var options = new RunOptions
        {
            Kernel = Pipeline.Selection(settings, settings.UpTo),
            Suites = settings.Suites,
            Filter = settings.Filter,
            KeepVm = settings.KeepVm,
            MemoryMiB = settings.MemoryMiB,
            Cpus = settings.Cpus,
            Accelerator = settings.Accelerator switch { "kvm" => AcceleratorMode.Kvm, "tcg" => AcceleratorMode.Tcg, _ => AcceleratorMode.Auto },
            CommandLine = ["./harness", .. Environment.GetCommandLineArgs().Skip(1)],
        };

        RunFolder? folder = null;
        var outcome = await new TestRun(pipeline.Workspace).RunAsync(options, f =>
        {
            folder = f;
            pipeline.LoggerProvider.AttachFile(Path.Combine(f.Path, "harness.log"));
            Output.Line($"results: {f.Path}");
        }, cancellationToken);

        if (settings.Filter is { } filter && outcome.Counts.Total == 0)
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
