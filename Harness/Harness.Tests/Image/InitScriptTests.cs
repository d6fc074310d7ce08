using Harness.Core;
using Harness.Image;
using NUnit.Framework;

namespace Harness.Tests.Image;

[TestFixture]
[CancelAfter(30_000)]
public sealed class InitScriptTests
{
    private static string InitPath =>
        Path.Combine(HarnessPaths.Discover(TestContext.CurrentContext.TestDirectory).VmImages, "initramfs", "init");

    private static string Init => File.ReadAllText(InitPath);

    [Test]
    public async Task Init_parses_as_busybox_shell()
    {
        var outcome = await new CommandRunner().RunAsync(ExternalCommand.Of("/bin/busybox", "sh", "-n", InitPath));

        Assert.That(outcome.ExitCode, Is.Zero, outcome.StandardError);
    }

    [Test]
    public void Init_spells_the_host_side_names()
    {
        var init = Init;

        Assert.That(init, Does.Contain($"echo \"{GuestLayout.ReadyMarker} $nonce "));
        Assert.That(init, Does.Contain($"echo \"{GuestLayout.FailureMarker} $nonce "));
        Assert.That(init, Does.Contain($"{GuestLayout.NonceParameter}=*) nonce=${{arg#{GuestLayout.NonceParameter}=}}"));
        Assert.That(init, Does.Contain($"-r {GuestLayout.HostKeyPath}"));
        Assert.That(init, Does.Contain($"[ -f {GuestLayout.AuthorizedKeysPath} ]"));
        Assert.That(init, Does.Contain($"ip addr add {GuestLayout.GuestAddress}/24 dev eth0"));
        Assert.That(init, Does.Contain($"ip route add default via {GuestLayout.GatewayAddress}"));
        Assert.That(init, Does.Contain($"-p {GuestLayout.SshPort}"));
    }

    [TestCase("mount -t proc proc /proc")]
    [TestCase("mount -t sysfs sysfs /sys")]
    [TestCase("mount -t devtmpfs devtmpfs /dev")]
    [TestCase("mount -t devpts")]
    [TestCase("mount -t tmpfs -o mode=1777 tmpfs /tmp")]
    [TestCase("mount -t tmpfs -o mode=755 tmpfs /run")]
    public void Init_mounts_required_file_system(string mount)
    {
        Assert.That(Init, Does.Contain(mount));
    }

    [TestCase("mount -t securityfs securityfs /sys/kernel/security 2>/dev/null")]
    [TestCase("mount -t bpf bpf /sys/fs/bpf 2>/dev/null")]
    [TestCase("mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null")]
    public void Init_mounts_optional_file_system_without_failing(string mount)
    {
        var line = Init.Split('\n').Single(l => l.Contains(mount, StringComparison.Ordinal));

        Assert.That(line, Does.Not.Contain("fail "), "a kernel without the option must still boot");
    }

    [Test]
    public void Init_hands_pid_1_to_busybox_init()
    {
        var lines = Init.TrimEnd().Split('\n');

        Assert.That(lines[^1], Is.EqualTo("exec /bin/busybox init"));
        Assert.That(File.ReadAllText(Path.Combine(Path.GetDirectoryName(InitPath)!, "overlay", "etc", "inittab")),
            Does.Not.Contain("respawn").And.Not.Contain("askfirst"), "busybox init must start no console shells");
    }

    [Test]
    public void Init_times_each_step_from_proc_uptime()
    {
        var init = Init;

        Assert.That(init, Does.Contain("read -r up _ </proc/uptime"));
        foreach (var step in new[] { "init", "mounts", "network", "sshd-started", "sshd-listening" })
            Assert.That(init, Does.Contain($"mark {step}\n"), step);
    }
}
