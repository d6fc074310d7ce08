using Harness.Vm;

namespace Harness.Runs;

/// <summary>What `./harness run` does. Immutable; change it with <c>with</c>.</summary>
public sealed record RunOptions
{
    public KernelSelection Kernel { get; init; } = new();

    /// <summary>Suite names, prefixes or part names (see SuiteCatalog.Select); empty runs every suite.</summary>
    public IReadOnlyList<string> Suites { get; init; } = [];

    /// <summary>Suites to offer besides the catalog's, e.g. prebuilt programs; --suite selects among both.</summary>
    public IReadOnlyList<Harness.Suites.Catalog.SuiteDefinition> ExtraSuites { get; init; } = [];

    /// <summary>Where run folders go; the checkout's results/ when null.</summary>
    public string? ResultsRoot { get; init; }

    /// <summary>Runs only tests whose id contains this text.</summary>
    public string? Filter { get; init; }

    /// <summary>Leave the guest running after the suites, for `./harness ssh`.</summary>
    public bool KeepVm { get; init; }

    public int MemoryMiB { get; init; } = 2048;

    public int Cpus { get; init; } = 2;

    public AcceleratorMode Accelerator { get; init; } = AcceleratorMode.Auto;

    /// <summary>The harness command line as typed, for results.json.</summary>
    public IReadOnlyList<string> CommandLine { get; init; } = [];

    /// <summary>
    /// Multiplies every program's timeout under TCG, which runs guest code several
    /// times slower than KVM.
    /// </summary>
    public double TcgTimeoutScale { get; init; } = 4;
}
