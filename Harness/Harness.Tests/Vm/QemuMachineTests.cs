using Harness.Core;
using Harness.Image;
using Harness.Tests.Support;
using Harness.Vm;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;

namespace Harness.Tests.Vm;

[TestFixture]
[CancelAfter(30_000)]
public sealed class QemuMachineTests
{
    private TempDirectory _work = null!;
    private VmOptions _options = null!;

    [SetUp]
    public void SetUp()
    {
        _work = new TempDirectory();
        _options = new VmOptions("/builds/bzImage", "/run/initrd.img", QemuCommandLineTests.DummyKeys)
            .WithName("vm-test")
            .WithBootTimeout(TimeSpan.FromSeconds(5))
            .WithPanicExitTimeout(TimeSpan.FromMilliseconds(200));
    }

    [TearDown]
    public void TearDown() => _work.Dispose();

    private Task<QemuMachine> BootAsync(FakeQemuLauncher launcher, VmOptions? options = null) =>
        QemuMachine.BootAsync(options ?? _options, Accelerator.Tcg, _work.Path, launcher, NullLogger.Instance);

    private static FakeQemuScript Ready(ExternalCommand command) => FakeQemuScript.Prints(
        "[    0.000000] Linux version 7.3.4",
        $"{GuestLayout.ReadyMarker} {FakeQemuLauncher.NonceOf(command)} uptime=1.50 init=1.20");

    [Test]
    public async Task Ready_marker_with_this_nonce_completes_boot()
    {
        var launcher = new FakeQemuLauncher((command, _) => Ready(command));

        await using var machine = await BootAsync(launcher);

        Assert.That(machine.Nonce, Is.EqualTo(FakeQemuLauncher.NonceOf(launcher.Started.Single())));
        Assert.That(machine.GuestTimings, Is.EqualTo(" uptime=1.50 init=1.20"));
        Assert.That(machine.SshPort, Is.EqualTo(FakeQemuLauncher.PortOf(launcher.Started.Single())));
        Assert.That(machine.ConsoleLog, Is.EqualTo(Path.Combine(_work.Path, "console.log")));
        Assert.That(machine.HasExited, Is.False);
    }

    [Test]
    public void Stale_marker_from_another_boot_is_ignored()
    {
        var launcher = new FakeQemuLauncher(FakeQemuScript.Prints($"{GuestLayout.ReadyMarker} 00000000 uptime=1.0"));

        var error = Assert.ThrowsAsync<GuestVmException>(() => BootAsync(launcher, _options.WithBootTimeout(TimeSpan.FromMilliseconds(300))));

        Assert.That(error!.Message, Does.Contain("timed out").And.Contain(GuestLayout.ReadyMarker));
        Assert.That(launcher.Processes.Single().WasKilled, Is.True);
    }

    [Test]
    public void Panic_fails_boot_with_console_tail()
    {
        var launcher = new FakeQemuLauncher(FakeQemuScript.Prints(
            "[    1.000000] Run /init as init process",
            "[    1.100000] Kernel panic - not syncing: No working init found.",
            "[    1.100001] ---[ end Kernel panic - not syncing: No working init found. ]---").ThenExits(0));

        var error = Assert.ThrowsAsync<GuestVmException>(() => BootAsync(launcher));

        Assert.That(error!.Message, Does.Contain("the kernel panicked").And.Contain("No working init found"));
        Assert.That(error.Message, Does.Contain("    [    1.000000] Run /init as init process"), "console tail");
        Assert.That(error.Message, Does.Contain("command: qemu-system-x86_64 "));
        Assert.That(error.ConsoleTail, Has.Count.EqualTo(3));
    }

    [Test]
    public void Panic_without_exit_kills_qemu()
    {
        var launcher = new FakeQemuLauncher(FakeQemuScript.Prints("Kernel panic - not syncing: Attempted to kill init!"));

        Assert.ThrowsAsync<GuestVmException>(() => BootAsync(launcher));

        Assert.That(launcher.Processes.Single().WasKilled, Is.True);
    }

    [Test]
    public void Init_failure_marker_names_the_step()
    {
        var launcher = new FakeQemuLauncher((command, _) => FakeQemuScript.Prints(
            $"{GuestLayout.FailureMarker} {FakeQemuLauncher.NonceOf(command)} network no eth0"));

        var error = Assert.ThrowsAsync<GuestVmException>(() => BootAsync(launcher));

        Assert.That(error!.Message, Does.Contain("init reported a failed step").And.Contain("network no eth0"));
        Assert.That(launcher.Processes.Single().WasKilled, Is.True);
    }

    [Test]
    public void Qemu_exit_reports_code_and_messages()
    {
        var launcher = new FakeQemuLauncher(FakeQemuScript.Hangs()
            .WithMessages("qemu-system-x86_64: -kernel /builds/bzImage: could not open kernel file")
            .ThenExits(1));

        var error = Assert.ThrowsAsync<GuestVmException>(() => BootAsync(launcher));

        Assert.That(error!.Message, Does.Contain("QEMU (pid 1000) exited with code 1"));
        Assert.That(error.Message, Does.Contain("    qemu-system-x86_64: -kernel /builds/bzImage: could not open kernel file"));
        Assert.That(launcher.Started, Has.Count.EqualTo(1), "only a port clash is retried");
    }

    [Test]
    public async Task Port_clash_is_retried_with_another_port()
    {
        var launcher = new FakeQemuLauncher((command, attempt) => attempt == 0
            ? FakeQemuScript.Hangs()
                .WithMessages($"qemu-system-x86_64: -netdev user: Could not set up host forwarding rule 'tcp:127.0.0.1:{FakeQemuLauncher.PortOf(command)}-:22'")
                .ThenExits(1)
            : Ready(command));

        await using var machine = await BootAsync(launcher);

        Assert.That(launcher.Started, Has.Count.EqualTo(2));
        Assert.That(FakeQemuLauncher.PortOf(launcher.Started[1]), Is.Not.EqualTo(FakeQemuLauncher.PortOf(launcher.Started[0])));
        Assert.That(machine.SshPort, Is.EqualTo(FakeQemuLauncher.PortOf(launcher.Started[1])));
    }

    [Test]
    public void Boot_timeout_kills_qemu()
    {
        var launcher = new FakeQemuLauncher(FakeQemuScript.Prints("[    0.000000] Linux version 7.3.4"));

        var error = Assert.ThrowsAsync<GuestVmException>(() => BootAsync(launcher, _options.WithBootTimeout(TimeSpan.FromMilliseconds(300))));

        Assert.That(error!.Message, Does.Contain("timed out").And.Contain("within 0.3 s"));
        Assert.That(launcher.Processes.Single().WasKilled, Is.True);
    }

    [Test]
    public void Cancellation_kills_qemu()
    {
        var launcher = new FakeQemuLauncher(FakeQemuScript.Hangs());
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        Assert.CatchAsync<OperationCanceledException>(() =>
            QemuMachine.BootAsync(_options, Accelerator.Tcg, _work.Path, launcher, NullLogger.Instance, cancellation.Token));

        Assert.That(launcher.Processes.Single().WasKilled, Is.True);
    }

    [Test]
    public async Task Console_lines_reach_the_callers_handler()
    {
        var seen = new List<string>();
        var launcher = new FakeQemuLauncher((command, _) => Ready(command));

        await using var machine = await BootAsync(launcher, _options.WithConsoleLineHandler(line => { lock (seen) seen.Add(line); }));

        lock (seen)
            Assert.That(seen, Has.Count.EqualTo(2).And.Contain("[    0.000000] Linux version 7.3.4"));
    }

    [Test]
    public async Task Late_panic_kills_lingering_qemu()
    {
        var launcher = new FakeQemuLauncher((command, _) => Ready(command) with
        {
            Console = [.. Ready(command).Console, (TimeSpan.FromMilliseconds(50), "Kernel panic - not syncing: sysrq triggered crash")],
        });
        await using var machine = await BootAsync(launcher);

        var exitCode = await machine.WaitForExitAsync(TimeSpan.FromSeconds(10));

        Assert.That(exitCode, Is.EqualTo(-1), "killed after the grace period");
        Assert.That(machine.PanicLine, Does.Contain("sysrq triggered crash"));
        Assert.That(machine.KillReason, Does.Contain("panicked"));
    }

    [Test]
    public async Task Dispose_kills_running_qemu()
    {
        var launcher = new FakeQemuLauncher((command, _) => Ready(command));
        var machine = await BootAsync(launcher);

        await machine.DisposeAsync();

        Assert.That(launcher.Processes.Single().WasKilled, Is.True);
    }
}
