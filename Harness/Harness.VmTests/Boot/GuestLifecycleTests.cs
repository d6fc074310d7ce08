using Harness.Core;
using Harness.Image;
using Harness.Vm;
using Harness.Vm.Ssh;
using NUnit.Framework;

namespace Harness.VmTests.Boot;

/// <summary>Boot, shutdown and failure handling; each test boots guests of its own.</summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(180_000)]
public sealed class GuestLifecycleTests
{
    private static readonly GuestCommandOptions Quick = GuestCommandOptions.Default.WithTimeout(TimeSpan.FromSeconds(30));

    [Test]
    public async Task Clean_shutdown_stops_qemu()
    {
        var prerequisites = await BootPrerequisites.GetAsync();
        await using var vm = await GuestVm.StartAsync(prerequisites.OptionsFor("shutdown"));

        var exitCode = await vm.ShutdownAsync();

        Assert.That(exitCode, Is.Zero, $"QEMU was killed: {vm.Machine.KillReason}");
        Assert.That(vm.Machine.HasExited, Is.True);
    }

    [Test]
    public async Task Two_guests_run_at_once()
    {
        var prerequisites = await BootPrerequisites.GetAsync();

        var starts = new[] { "twin-a", "twin-b" }.Select(name => GuestVm.StartAsync(prerequisites.OptionsFor(name))).ToArray();
        var vms = await Task.WhenAll(starts);
        try
        {
            var results = await Task.WhenAll(vms.Select(vm => vm.RunAsync("cat /proc/sys/kernel/random/boot_id", Quick)));

            Assert.That(vms[0].Boot.SshPort, Is.Not.EqualTo(vms[1].Boot.SshPort));
            Assert.That(vms[0].Boot.ConsoleLog, Is.Not.EqualTo(vms[1].Boot.ConsoleLog));
            Assert.That(results.Select(r => r.Succeeded), Is.All.True);
            Assert.That(results[0].StandardOutput, Is.Not.EqualTo(results[1].StandardOutput), "two different guests answered");
        }
        finally
        {
            await Task.WhenAll(vms.Select(vm => vm.ShutdownAsync()));
            foreach (var vm in vms)
                await vm.DisposeAsync();
        }
    }

    [Test]
    public async Task Lost_connection_is_reported_then_reconnected()
    {
        var prerequisites = await BootPrerequisites.GetAsync();
        await using var vm = await GuestVm.StartAsync(prerequisites.OptionsFor("reconnect"));

        var lost = await vm.RunAsync("kill -KILL $PPID", Quick);
        await vm.ReconnectAsync();
        var after = await vm.RunAsync("echo back", Quick);

        Assert.That(lost.Outcome, Is.EqualTo(GuestCommandOutcome.ConnectionLost), lost.DescribeOutcome());
        Assert.That(after.StandardOutput, Is.EqualTo("back\n"));
    }

    [Test]
    public async Task Kernel_panic_is_seen_and_ends_qemu()
    {
        var prerequisites = await BootPrerequisites.GetAsync();
        var options = prerequisites.OptionsFor("panic");
        await using var vm = await GuestVm.StartAsync(options);

        var crash = await vm.RunAsync("echo c > /proc/sysrq-trigger", Quick);
        var exitCode = await vm.Machine.WaitForExitAsync(options.PanicExitTimeout + TimeSpan.FromSeconds(10));

        Assert.That(crash.Outcome, Is.EqualTo(GuestCommandOutcome.ConnectionLost), crash.DescribeOutcome());
        Assert.That(exitCode, Is.Not.Null, "QEMU exited by itself or was killed after the panic");
        Assert.That(vm.Machine.PanicLine, Does.Contain("Kernel panic - not syncing"));
        Assert.That(File.ReadAllText(vm.Boot.ConsoleLog), Does.Contain("sysrq").IgnoreCase, "the panic's cause is in the console log");
    }

    [Test]
    public async Task Other_host_key_is_rejected()
    {
        var prerequisites = await BootPrerequisites.GetAsync();
        await using var vm = await GuestVm.StartAsync(prerequisites.OptionsFor("hostkey"));
        var otherKeys = await GuestKeys.CreateAsync(Path.Combine(prerequisites.WorkDirectory, "other-keys"), new CommandRunner());

        var error = Assert.ThrowsAsync<GuestSshException>(() =>
            GuestSshClient.ConnectAsync("127.0.0.1", vm.Boot.SshPort, otherKeys with { ClientPrivateKeyPath = prerequisites.Keys.ClientPrivateKeyPath },
                TimeSpan.FromSeconds(20)));

        Assert.That(error!.Message, Does.Contain(prerequisites.Keys.HostKeyFingerprint), "the key the guest offered");
        Assert.That(error.Message, Does.Contain(otherKeys.HostKeyFingerprint), "the key this run pinned");
    }

    [Test]
    public async Task Boot_to_ssh_is_timed()
    {
        var prerequisites = await BootPrerequisites.GetAsync();

        await using var vm = await GuestVm.StartAsync(prerequisites.OptionsFor("timing"));

        TestContext.Out.WriteLine(
            $"{vm.Boot.Accelerator}: ready after {vm.Boot.TimeToReady.TotalSeconds:0.00} s, SSH after {vm.Boot.TimeToSsh.TotalSeconds:0.00} s; " +
            $"guest timings:{vm.Boot.GuestTimings}");
        Assert.That(vm.Boot.TimeToReady, Is.GreaterThan(TimeSpan.Zero));
        Assert.That(vm.Boot.TimeToSsh, Is.GreaterThanOrEqualTo(vm.Boot.TimeToReady));
        Assert.That(vm.Boot.GuestTimings, Does.Contain("sshd-listening="));
        Assert.That(vm.Boot.CommandLine, Does.Contain($"hostfwd=tcp:127.0.0.1:{vm.Boot.SshPort}-:22"));
    }
}
