using System.Globalization;
using Harness.Core;
using Harness.Image;

namespace Harness.Vm;

/// <summary>Builds QEMU command lines as data, so they are logged and tested exactly as run.</summary>
public static class QemuCommandLine
{
    /// <summary>
    /// The command line for booting a guest: the kernel booted directly, the serial
    /// console on QEMU's standard output and in <paramref name="consoleLog"/>, SSH
    /// forwarded from 127.0.0.1:<paramref name="sshPort"/>, and a virtio RNG so that
    /// dropbear's getrandom() does not wait for entropy.
    /// </summary>
    public static ExternalCommand ForBoot(VmOptions options, Accelerator accelerator, int sshPort, string nonce, string consoleLog)
    {
        var restrict = options.AllowGuestOutboundNetwork ? "off" : "on";
        var arguments = new List<string>();
        arguments.AddRange(MachineArguments(accelerator, options.MemoryMiB, options.Cpus));
        if (options.Firmware is not null)
            arguments.AddRange(["-bios", options.Firmware]);
        arguments.AddRange(
        [
            // signal=off: a SIGINT meant for the harness must not reach QEMU through its console.
            "-chardev", $"stdio,id=console,signal=off,logfile={consoleLog}",
            "-serial", "chardev:console",
            "-netdev", $"user,id=net0,restrict={restrict},hostfwd=tcp:127.0.0.1:{sshPort}-:{GuestLayout.SshPort}",
            // romfile= skips loading the PXE option ROM, which a direct kernel boot never uses.
            "-device", "virtio-net-pci,netdev=net0,romfile=",
            "-object", "rng-random,id=rng0,filename=/dev/urandom",
            "-device", "virtio-rng-pci,rng=rng0",
            "-kernel", options.KernelImage,
            "-initrd", options.Initrd,
            "-append", KernelCommandLine(options, nonce),
        ]);
        return new ExternalCommand(options.QemuPath, arguments);
    }

    /// <summary>
    /// The command line for the KVM probe: the kernel alone with the serial console
    /// on standard output. The probe only waits for the first console line, so the
    /// guest needs no initrd and no network.
    /// </summary>
    public static ExternalCommand ForKvmProbe(string qemuPath, string kernelImage) =>
        new(qemuPath,
        [
            .. MachineArguments(Accelerator.Kvm, memoryMiB: 256, cpus: 1),
            "-serial", "stdio",
            "-kernel", kernelImage,
            "-append", "console=ttyS0 earlyprintk=serial,ttyS0 loglevel=8 panic=-1",
        ]);

    /// <summary>The kernel command line: console, log level, panic behavior, the nonce, then the caller's arguments.</summary>
    public static string KernelCommandLine(VmOptions options, string nonce)
    {
        var parts = new List<string>
        {
            "console=ttyS0",
            "loglevel=" + options.ConsoleLogLevel.ToString(CultureInfo.InvariantCulture),
            // Reboot at once on a panic, which with -no-reboot makes QEMU exit instead of keeping a dead guest.
            "panic=-1",
            $"{GuestLayout.NonceParameter}={nonce}",
        };
        parts.AddRange(options.KernelArguments);
        return string.Join(' ', parts);
    }

    private static IEnumerable<string> MachineArguments(Accelerator accelerator, int memoryMiB, int cpus)
    {
        // -cpu host passes the host CPU through under KVM; under TCG "max" enables
        // every feature QEMU can emulate, so the guest's instruction set is the
        // newest TCG offers rather than 2003's qemu64.
        // One host thread runs every TCG vCPU, because with a thread per vCPU the
        // guest died with "Oops: int3" while enabling tracepoints (see docs/performance.md).
        var (accel, cpu) = accelerator == Accelerator.Kvm ? ("kvm", "host") : ("tcg,thread=single", "max");
        return
        [
            "-machine", "pc",
            "-accel", accel,
            "-cpu", cpu,
            "-m", memoryMiB.ToString(CultureInfo.InvariantCulture),
            "-smp", cpus.ToString(CultureInfo.InvariantCulture),
            // No default devices, no configuration files, no display, and an exit instead of a reboot.
            "-nodefaults",
            "-no-user-config",
            "-display", "none",
            "-no-reboot",
        ];
    }
}
