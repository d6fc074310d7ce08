using System.ComponentModel;
using Spectre.Console.Cli;

namespace Harness.Cli.Infrastructure;

/// <summary>Options every command takes.</summary>
public class HarnessSettings : CommandSettings
{
    [CommandOption("-v|--verbose")]
    [Description("Show debug messages, including every external command as it is run.")]
    public bool Verbose { get; init; }
}

/// <summary>Options of the commands that need the kernel base.</summary>
public class KernelSettings : HarnessSettings
{
    [CommandOption("--kernel-tree <PATH>")]
    [Description("Use this local kernel git tree (its HEAD) as the base instead of Debian's linux-source-7.3.")]
    public string? KernelTree { get; init; }

    [CommandOption("--force")]
    [Description("apply, build, run, bisect: discard uncommitted changes and unexported commits in the harness's work tree. export: export a tree that has only the first patches (--up-to).")]
    public bool Force { get; init; }
}

/// <summary>Options of the commands that can work on the first N patches of the series.</summary>
public class PrefixSettings : KernelSettings
{
    public const string UpToDescription = "Apply only the first N patches of the series (0 is the base alone), e.g. to check that each patch builds.";

    [CommandOption("--up-to <N>")]
    [Description(UpToDescription)]
    public int? UpTo { get; init; }
}
