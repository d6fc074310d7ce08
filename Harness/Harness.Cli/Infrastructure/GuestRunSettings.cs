using System.ComponentModel;
using Harness.Runs;
using Harness.Vm;
using Spectre.Console.Cli;

namespace Harness.Cli.Infrastructure;

/// <summary>Options of the commands that run suites in a guest: run and bisect.</summary>
public class GuestRunSettings : KernelSettings
{
    [CommandOption("-s|--suite <NAME>")]
    [Description("Run only this suite (kselftest/landlock, c/part1, csharp/base, ...), a prefix ending in '/', or a part (base, part1, ...). Repeatable.")]
    public string[] Suites { get; init; } = [];

    [CommandOption("-f|--filter <TEXT>")]
    [Description("Run only the tests whose id contains TEXT, e.g. 'base_test/' or 'abi_version'.")]
    public string? Filter { get; init; }

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
        // Spectre.Console.Cli takes the command's own name as the value of a
        // --suite given last without one.
        if (Suites.Any(suite => string.IsNullOrWhiteSpace(suite) || suite.StartsWith("__", StringComparison.Ordinal)))
            return Spectre.Console.ValidationResult.Error("--suite needs a suite name, a prefix ending in '/', or a part, e.g. --suite c/part1.");
        if (MemoryMiB < 128)
            return Spectre.Console.ValidationResult.Error($"--memory {MemoryMiB} is too small: the guest needs at least 128 MiB.");
        if (Cpus is < 1 or > 8)
            return Spectre.Console.ValidationResult.Error($"--cpus {Cpus} is out of range: the kernel config allows 1 to 8.");
        if (Accelerator is not ("auto" or "kvm" or "tcg"))
            return Spectre.Console.ValidationResult.Error($"--accel '{Accelerator}' is not one of auto, kvm, tcg.");
        return base.Validate();
    }

    /// <summary>The run these options describe, with the command line as typed.</summary>
    public RunOptions ToRunOptions() => new()
    {
        Kernel = Pipeline.Selection(this),
        Suites = Suites,
        Filter = Filter,
        MemoryMiB = MemoryMiB,
        Cpus = Cpus,
        Accelerator = Accelerator switch { "kvm" => AcceleratorMode.Kvm, "tcg" => AcceleratorMode.Tcg, _ => AcceleratorMode.Auto },
        CommandLine = ["./harness", .. Environment.GetCommandLineArgs().Skip(1)],
    };
}
