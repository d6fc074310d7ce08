using Harness.Tests.Support;
using Harness.Vm;
using Microsoft.Extensions.Logging;
using NUnit.Framework;

namespace Harness.Tests.Vm;

[TestFixture]
[CancelAfter(30_000)]
public sealed class AcceleratorProbeTests
{
    private TempDirectory _work = null!;
    private string _kernel = null!;
    private string _kvm = null!;

    [SetUp]
    public void SetUp()
    {
        _work = new TempDirectory();
        _kernel = _work.Write("bzImage", "not really a kernel");
        _kvm = _work.Write("kvm", "");
    }

    [TearDown]
    public void TearDown() => _work.Dispose();

    private static Task<string> FakeVersion(string qemu, CancellationToken cancellationToken) =>
        Task.FromResult("QEMU emulator version 7.2.22 (fake)");

    [Test]
    public async Task Missing_kvm_device_chooses_tcg_without_probing()
    {
        var launcher = new FakeQemuLauncher(FakeQemuScript.Hangs());
        var probe = new AcceleratorProbe(launcher, kvmDevice: Path.Combine(_work.Path, "no-kvm"));

        var choice = await probe.ChooseAsync("qemu", _kernel);

        Assert.That(choice.Accelerator, Is.EqualTo(Accelerator.Tcg));
        Assert.That(choice.Reason, Does.Contain("no-kvm does not exist"));
        Assert.That(launcher.Started, Is.Empty);
    }

    [Test]
    public async Task First_console_line_chooses_kvm()
    {
        var launcher = new FakeQemuLauncher(FakeQemuScript.Prints("[    0.000000] Linux version 7.3.4"));
        var probe = new AcceleratorProbe(launcher, kvmDevice: _kvm);

        var choice = await probe.ChooseAsync("qemu", _kernel);

        Assert.That(choice.Accelerator, Is.EqualTo(Accelerator.Kvm), choice.Reason);
        Assert.That(launcher.Started.Single().Arguments, Does.Contain("kvm").And.Contain("host"));
        Assert.That(launcher.Processes.Single().WasKilled, Is.True, "the probe guest is not left running");
    }

    [Test]
    public async Task Qemu_abort_falls_back_to_tcg()
    {
        var script = FakeQemuScript.Hangs()
            .WithMessages("qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69")
            .ThenExits(134);
        var probe = new AcceleratorProbe(new FakeQemuLauncher(script), kvmDevice: _kvm);

        var choice = await probe.ChooseAsync("qemu", _kernel);

        Assert.That(choice.Accelerator, Is.EqualTo(Accelerator.Tcg));
        Assert.That(choice.Reason, Does.Contain("exited with code 134").And.Contain("failed to set MSR"));
    }

    [Test]
    public async Task Silent_guest_falls_back_to_tcg_after_timeout()
    {
        var launcher = new FakeQemuLauncher(FakeQemuScript.Hangs());
        var probe = new AcceleratorProbe(launcher, kvmDevice: _kvm) { FirstLineTimeout = TimeSpan.FromMilliseconds(200) };

        var choice = await probe.ChooseAsync("qemu", _kernel);

        Assert.That(choice.Accelerator, Is.EqualTo(Accelerator.Tcg));
        Assert.That(choice.Reason, Does.Contain("printed nothing within 0.2 s"));
        Assert.That(launcher.Processes.Single().WasKilled, Is.True);
    }

    [Test]
    public async Task Fallback_is_probed_and_warned_once_per_process()
    {
        var launcher = new FakeQemuLauncher(FakeQemuScript.Hangs().ThenExits(1));
        var probe = new AcceleratorProbe(launcher, kvmDevice: _kvm);
        var logger = new ListLogger();

        var choices = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => probe.ChooseAsync("qemu", _kernel, logger)));

        Assert.That(choices.Select(c => c.Accelerator), Is.All.EqualTo(Accelerator.Tcg));
        Assert.That(launcher.Started, Has.Count.EqualTo(1));
        Assert.That(logger.Entries.Count(e => e.Level == LogLevel.Warning), Is.EqualTo(1), string.Join("\n", logger.Entries));
    }

    [Test]
    public async Task State_file_spares_later_processes_the_probe()
    {
        var state = Path.Combine(_work.Path, "state");
        var firstLauncher = new FakeQemuLauncher(FakeQemuScript.Hangs().ThenExits(134));
        var secondLauncher = new FakeQemuLauncher(FakeQemuScript.Prints("would choose KVM"));

        var first = await new AcceleratorProbe(firstLauncher, state, _kvm, FakeVersion).ChooseAsync("qemu", _kernel);
        var second = await new AcceleratorProbe(secondLauncher, state, _kvm, FakeVersion).ChooseAsync("qemu", _kernel);

        Assert.That(first.FromStateFile, Is.False);
        Assert.That(second.FromStateFile, Is.True);
        Assert.That(second.Accelerator, Is.EqualTo(first.Accelerator));
        Assert.That(second.Reason, Is.EqualTo(first.Reason));
        Assert.That(secondLauncher.Started, Is.Empty);
        var saved = File.ReadAllText(Directory.GetFiles(state).Single());
        Assert.That(saved, Does.Contain("\"Tcg\"").And.Contain("7.2.22"));
    }

    [Test]
    public async Task State_file_does_not_apply_to_another_kernel()
    {
        var state = Path.Combine(_work.Path, "state");
        await new AcceleratorProbe(new FakeQemuLauncher(FakeQemuScript.Hangs().ThenExits(1)), state, _kvm, FakeVersion)
            .ChooseAsync("qemu", _kernel);
        File.WriteAllText(_kernel, "another kernel");
        var launcher = new FakeQemuLauncher(FakeQemuScript.Prints("Linux version"));

        var choice = await new AcceleratorProbe(launcher, state, _kvm, FakeVersion).ChooseAsync("qemu", _kernel);

        Assert.That(choice.Accelerator, Is.EqualTo(Accelerator.Kvm));
        Assert.That(launcher.Started, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Failed_probe_is_retried_on_next_call()
    {
        var attempts = 0;
        var launcher = new FakeQemuLauncher((_, _) =>
            Interlocked.Increment(ref attempts) == 1 ? throw new GuestVmException("QEMU missing") : FakeQemuScript.Prints("Linux version"));
        var probe = new AcceleratorProbe(launcher, kvmDevice: _kvm);

        Assert.ThrowsAsync<GuestVmException>(() => probe.ChooseAsync("qemu", _kernel));
        var choice = await probe.ChooseAsync("qemu", _kernel);

        Assert.That(choice.Accelerator, Is.EqualTo(Accelerator.Kvm));
    }
}
