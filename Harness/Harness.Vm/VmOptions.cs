using Harness.Image;

namespace Harness.Vm;

public enum Accelerator
{
    Tcg,
    Kvm,
}

/// <summary>Which accelerator to use: a fixed one, or KVM only when a probe boot shows that it works.</summary>
public enum AcceleratorMode
{
    Auto,
    Tcg,
    Kvm,
}

/// <summary>
/// How to boot one guest. Immutable; each <c>With…</c> method returns a copy.
/// </summary>
/// <param name="KernelImage">The bzImage to boot with <c>-kernel</c>.</param>
/// <param name="Initrd">The image with the keys archive appended (see <see cref="BootInitrd"/>).</param>
/// <param name="Keys">The run's keys: the client key logs in, the host key is pinned.</param>
public sealed record VmOptions(string KernelImage, string Initrd, GuestKeys Keys)
{
    /// <summary>Where Debian's qemu-system-data package installs the qboot firmware.</summary>
    public const string Qboot = "/usr/share/qemu/qboot.rom";

    /// <summary>Name used in logs, error messages and the default work directory, such as "vm-0".</summary>
    public string Name { get; init; } = "vm";

    public string QemuPath { get; init; } = "qemu-system-x86_64";

    public int MemoryMiB { get; init; } = 1024;

    /// <summary>
    /// vCPUs given to QEMU. Under SeaBIOS a kernel without CONFIG_ACPI finds only the
    /// boot CPU (SeaBIOS's MP table lists no others), whatever this value is.
    /// </summary>
    public int Cpus { get; init; } = 2;

    public AcceleratorMode Accelerator { get; init; } = AcceleratorMode.Auto;

    /// <summary>
    /// The firmware QEMU loads with <c>-bios</c>; null keeps QEMU's default, SeaBIOS.
    /// Debian's qemu-system-data also ships qboot (<see cref="Qboot"/>), but with a
    /// kernel that has no ACPI its MP table lacks PCI interrupt routes, so virtio
    /// devices get no IRQ and SSH crawls (measured with QEMU 7.2 and a tinyconfig kernel).
    /// </summary>
    public string? Firmware { get; init; }

    /// <summary>Arguments appended to the kernel command line after the harness's own.</summary>
    public IReadOnlyList<string> KernelArguments { get; init; } = [];

    /// <summary>
    /// Console log level for the kernel command line. 5 keeps KERN_WARNING and more
    /// severe messages (WARNING splats, BUG, Oops, panics, RCU stalls) on the
    /// console and drops the KERN_NOTICE and KERN_INFO boot chatter, which costs
    /// boot time on an emulated serial port. The guest's dmesg keeps every level.
    /// </summary>
    public int ConsoleLogLevel { get; init; } = 5;

    /// <summary>
    /// Where the console log goes; a new temporary directory when null. VMs that run
    /// at the same time need different directories, or their console logs collide.
    /// </summary>
    public string? WorkDirectory { get; init; }

    /// <summary>From QEMU's start until init prints the ready marker.</summary>
    public TimeSpan BootTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>From the ready marker until an SSH session is up.</summary>
    public TimeSpan SshConnectTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// After a kernel panic, how long QEMU may take to exit by itself before it is
    /// killed. With panic=-1 and -no-reboot it exits right after the panic's stack
    /// trace, and waiting keeps that trace in the console log.
    /// </summary>
    public TimeSpan PanicExitTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a clean shutdown may take before QEMU is killed.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether the guest may open connections through QEMU's user-mode network to
    /// the host and beyond. Off by default (QEMU's <c>restrict=on</c>), which still
    /// lets the host reach the guest through the forwarded SSH port.
    /// </summary>
    public bool AllowGuestOutboundNetwork { get; init; }

    /// <summary>Called for every console line, from QEMU's output thread, for example to find kernel splats.</summary>
    public Action<string>? OnConsoleLine { get; init; }

    public VmOptions WithName(string name) => this with { Name = name };

    public VmOptions WithQemu(string path) => this with { QemuPath = path };

    public VmOptions WithMemory(int mebibytes) => this with { MemoryMiB = mebibytes };

    public VmOptions WithCpus(int cpus) => this with { Cpus = cpus };

    public VmOptions WithAccelerator(AcceleratorMode mode) => this with { Accelerator = mode };

    public VmOptions WithFirmware(string? path) => this with { Firmware = path };

    public VmOptions WithKernelArguments(params string[] arguments) => this with { KernelArguments = [.. KernelArguments, .. arguments] };

    public VmOptions WithConsoleLogLevel(int level) => this with { ConsoleLogLevel = level };

    public VmOptions WithWorkDirectory(string directory) => this with { WorkDirectory = directory };

    public VmOptions WithBootTimeout(TimeSpan timeout) => this with { BootTimeout = timeout };

    public VmOptions WithSshConnectTimeout(TimeSpan timeout) => this with { SshConnectTimeout = timeout };

    public VmOptions WithPanicExitTimeout(TimeSpan timeout) => this with { PanicExitTimeout = timeout };

    public VmOptions WithShutdownTimeout(TimeSpan timeout) => this with { ShutdownTimeout = timeout };

    public VmOptions WithGuestOutboundNetwork(bool allow) => this with { AllowGuestOutboundNetwork = allow };

    public VmOptions WithConsoleLineHandler(Action<string> handler) => this with { OnConsoleLine = handler };

    /// <summary>Checks every input before QEMU starts.</summary>
    /// <exception cref="ArgumentException">An input is missing or out of range; the message names it and the fix.</exception>
    public void Validate()
    {
        if (!File.Exists(KernelImage))
            throw new ArgumentException($"The kernel image '{KernelImage}' does not exist; build the kernel first.");
        if (!File.Exists(Initrd))
            throw new ArgumentException($"The initrd '{Initrd}' does not exist; compose it with BootInitrd.ComposeAsync.");
        if (!File.Exists(Keys.ClientPrivateKeyPath))
            throw new ArgumentException($"The client key '{Keys.ClientPrivateKeyPath}' does not exist; create keys with GuestKeys.CreateAsync.");
        if (Firmware is not null && !File.Exists(Firmware))
            throw new ArgumentException($"The firmware '{Firmware}' does not exist; install qemu-system-data or set Firmware to null for SeaBIOS.");
        if (MemoryMiB < 64)
            throw new ArgumentException($"MemoryMiB is {MemoryMiB}; the guest needs at least 64 MiB to unpack its initramfs.");
        if (Cpus is < 1 or > 64)
            throw new ArgumentException($"Cpus is {Cpus}; give 1 to 64.");
        if (ConsoleLogLevel is < 1 or > 8)
            throw new ArgumentException($"ConsoleLogLevel is {ConsoleLogLevel}; the kernel takes 1 to 8.");
        if (BootTimeout <= TimeSpan.Zero || SshConnectTimeout <= TimeSpan.Zero || ShutdownTimeout <= TimeSpan.Zero || PanicExitTimeout <= TimeSpan.Zero)
            throw new ArgumentException("Every timeout must be positive.");
        if (KernelArguments.Any(a => a.StartsWith(GuestLayout.NonceParameter + "=", StringComparison.Ordinal)))
            throw new ArgumentException($"KernelArguments must not set {GuestLayout.NonceParameter}; the harness sets a new one per boot.");
    }
}
