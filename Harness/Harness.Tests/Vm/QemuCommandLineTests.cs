using Harness.Image;
using Harness.Vm;
using NUnit.Framework;

namespace Harness.Tests.Vm;

[TestFixture]
public sealed class QemuCommandLineTests
{
    internal static readonly GuestKeys DummyKeys =
        new("/keys", "/keys/client_ed25519", "ssh-ed25519 AAAAclient", "/keys/host", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHost");

    private static readonly VmOptions Options = new("/builds/bzImage", "/run/initrd.img", DummyKeys);

    private static List<string> Arguments(VmOptions options, Accelerator accelerator = Accelerator.Tcg) =>
        QemuCommandLine.ForBoot(options, accelerator, 2222, "0123abcd", "/vm/console.log").Arguments.ToList();

    private static string ValueOf(List<string> arguments, string option)
    {
        var index = arguments.IndexOf(option);
        Assert.That(index, Is.GreaterThanOrEqualTo(0), $"{option} is missing from: {string.Join(' ', arguments)}");
        return arguments[index + 1];
    }

    [Test]
    public void Kernel_is_booted_directly()
    {
        var arguments = Arguments(Options);

        Assert.That(ValueOf(arguments, "-kernel"), Is.EqualTo("/builds/bzImage"));
        Assert.That(ValueOf(arguments, "-initrd"), Is.EqualTo("/run/initrd.img"));
        Assert.That(arguments, Does.Contain("-no-reboot").And.Contain("-nodefaults").And.Contain("-no-user-config"));
        Assert.That(ValueOf(arguments, "-display"), Is.EqualTo("none"));
    }

    [Test]
    public void Ssh_is_forwarded_from_loopback_only()
    {
        var netdev = ValueOf(Arguments(Options), "-netdev");

        Assert.That(netdev, Is.EqualTo("user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:2222-:22"));
    }

    [Test]
    public void Outbound_guest_network_can_be_allowed()
    {
        var netdev = ValueOf(Arguments(Options.WithGuestOutboundNetwork(true)), "-netdev");

        Assert.That(netdev, Does.Contain("restrict=off"));
    }

    [Test]
    public void Console_goes_to_stdout_and_log_file()
    {
        var arguments = Arguments(Options);

        Assert.That(ValueOf(arguments, "-chardev"), Is.EqualTo("stdio,id=console,signal=off,logfile=/vm/console.log"));
        Assert.That(ValueOf(arguments, "-serial"), Is.EqualTo("chardev:console"));
    }

    [Test]
    public void Devices_are_virtio_net_and_rng()
    {
        var arguments = Arguments(Options);

        Assert.That(arguments, Does.Contain("virtio-net-pci,netdev=net0,romfile="));
        Assert.That(arguments, Does.Contain("virtio-rng-pci,rng=rng0"));
        Assert.That(arguments, Does.Contain("rng-random,id=rng0,filename=/dev/urandom"));
    }

    [Test]
    public void Kernel_command_line_carries_nonce_before_caller_arguments()
    {
        var append = ValueOf(Arguments(Options.WithKernelArguments("rcupdate.rcu_cpu_stall_timeout=60", "quiet")), "-append");

        Assert.That(append, Is.EqualTo("console=ttyS0 loglevel=5 panic=-1 harness.nonce=0123abcd rcupdate.rcu_cpu_stall_timeout=60 quiet"));
    }

    [TestCase(Accelerator.Tcg, "tcg,thread=single", "max")]
    [TestCase(Accelerator.Kvm, "kvm", "host")]
    public void Accelerator_picks_cpu_model(Accelerator accelerator, string accel, string cpu)
    {
        var arguments = Arguments(Options, accelerator);

        Assert.That(ValueOf(arguments, "-accel"), Is.EqualTo(accel));
        Assert.That(ValueOf(arguments, "-cpu"), Is.EqualTo(cpu));
    }

    [Test]
    public void Memory_cpus_and_firmware_are_configurable()
    {
        var arguments = Arguments(Options.WithMemory(2048).WithCpus(4).WithFirmware("/usr/share/qemu/qboot.rom").WithQemu("/opt/qemu"));

        Assert.That(ValueOf(arguments, "-m"), Is.EqualTo("2048"));
        Assert.That(ValueOf(arguments, "-smp"), Is.EqualTo("4"));
        Assert.That(ValueOf(arguments, "-bios"), Is.EqualTo("/usr/share/qemu/qboot.rom"));
        Assert.That(QemuCommandLine.ForBoot(Options.WithQemu("/opt/qemu"), Accelerator.Tcg, 1, "n", "c").Program, Is.EqualTo("/opt/qemu"));
    }

    [Test]
    public void Default_firmware_is_left_to_qemu()
    {
        Assert.That(Arguments(Options), Does.Not.Contain("-bios"));
    }

    [Test]
    public void Command_line_is_quoted_for_a_shell()
    {
        var shell = QemuCommandLine.ForBoot(Options, Accelerator.Tcg, 2222, "0123abcd", "/vm/console.log").ToShellString();

        Assert.That(shell, Does.StartWith("qemu-system-x86_64 -machine pc -accel tcg"));
        Assert.That(shell, Does.Contain("-append 'console=ttyS0 loglevel=5 panic=-1 harness.nonce=0123abcd'"));
    }

    [Test]
    public void Kvm_probe_boots_kernel_alone()
    {
        var arguments = QemuCommandLine.ForKvmProbe("qemu-system-x86_64", "/builds/bzImage").Arguments.ToList();

        Assert.That(ValueOf(arguments, "-accel"), Is.EqualTo("kvm"));
        Assert.That(ValueOf(arguments, "-cpu"), Is.EqualTo("host"));
        Assert.That(ValueOf(arguments, "-serial"), Is.EqualTo("stdio"));
        Assert.That(arguments, Does.Not.Contain("-initrd").And.Not.Contain("-netdev"));
    }

    [Test]
    public void With_methods_return_copies()
    {
        var changed = Options.WithMemory(4096).WithKernelArguments("a").WithKernelArguments("b");

        Assert.That(Options.MemoryMiB, Is.EqualTo(1024));
        Assert.That(Options.KernelArguments, Is.Empty);
        Assert.That(changed.KernelArguments, Is.EqualTo(new[] { "a", "b" }));
    }

    [Test]
    public void Invalid_options_name_the_problem()
    {
        var kernel = typeof(QemuCommandLineTests).Assembly.Location;
        var valid = new VmOptions(kernel, kernel, DummyKeys with { ClientPrivateKeyPath = kernel });

        Assert.Multiple(() =>
        {
            Assert.That(() => valid.Validate(), Throws.Nothing);
            Assert.That(() => Options.Validate(), Throws.ArgumentException.With.Message.Contains("'/builds/bzImage' does not exist"));
            Assert.That(() => valid.WithMemory(16).Validate(), Throws.ArgumentException.With.Message.Contains("MemoryMiB is 16"));
            Assert.That(() => valid.WithCpus(0).Validate(), Throws.ArgumentException.With.Message.Contains("Cpus is 0"));
            Assert.That(() => valid.WithConsoleLogLevel(9).Validate(), Throws.ArgumentException.With.Message.Contains("ConsoleLogLevel"));
            Assert.That(() => valid.WithKernelArguments("harness.nonce=x").Validate(), Throws.ArgumentException.With.Message.Contains("harness.nonce"));
            Assert.That(() => valid.WithBootTimeout(TimeSpan.Zero).Validate(), Throws.ArgumentException.With.Message.Contains("positive"));
            Assert.That(() => valid.WithFirmware("/nonexistent.rom").Validate(), Throws.ArgumentException.With.Message.Contains("'/nonexistent.rom'"));
        });
    }
}
