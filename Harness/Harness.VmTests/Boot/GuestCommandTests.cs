using System.Diagnostics;
using System.Security.Cryptography;
using Harness.Vm;
using Harness.Vm.Ssh;
using NUnit.Framework;

namespace Harness.VmTests.Boot;

/// <summary>Commands and file transfer on one guest booted for the whole fixture.</summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(120_000)]
public sealed class GuestCommandTests
{
    private static readonly GuestCommandOptions Quick = GuestCommandOptions.Default.WithTimeout(TimeSpan.FromSeconds(30));

    private BootPrerequisites _prerequisites = null!;
    private GuestVm _vm = null!;

    [OneTimeSetUp]
    public async Task BootAsync()
    {
        _prerequisites = await BootPrerequisites.GetAsync();
        _vm = await GuestVm.StartAsync(_prerequisites.OptionsFor("commands"));
        TestContext.Progress.WriteLine(
            $"Booted {_vm.Boot.Name} under {_vm.Boot.Accelerator}: ready after {_vm.Boot.TimeToReady.TotalSeconds:0.00} s, " +
            $"SSH after {_vm.Boot.TimeToSsh.TotalSeconds:0.00} s; guest timings:{_vm.Boot.GuestTimings}");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_vm is not null)
            await _vm.DisposeAsync();
    }

    [Test]
    public async Task Uname_reports_booted_kernel()
    {
        var result = await _vm.RunAsync("uname -r", Quick);

        Assert.That(result.Outcome, Is.EqualTo(GuestCommandOutcome.Exited), result.DescribeOutcome());
        Assert.That(result.ExitCode, Is.Zero);
        Assert.That(result.StandardOutput, Does.Match(@"^\d+\.\d+\.\d+\S*\n$"));
    }

    [Test]
    public async Task Non_zero_exit_code_is_reported()
    {
        var result = await _vm.RunAsync("echo to-stderr >&2; exit 3", Quick);

        Assert.That(result.Outcome, Is.EqualTo(GuestCommandOutcome.Exited));
        Assert.That(result.ExitCode, Is.EqualTo(3));
        Assert.That(result.Signal, Is.Null);
        Assert.That(result.StandardError, Is.EqualTo("to-stderr\n"));
        Assert.That(result.StandardOutput, Is.Empty);
    }

    [Test]
    public async Task Signal_death_has_signal_and_no_exit_code()
    {
        var result = await _vm.RunAsync("kill -SEGV $$", Quick);

        Assert.That(result.Outcome, Is.EqualTo(GuestCommandOutcome.Signaled), result.DescribeOutcome());
        Assert.That(result.Signal, Is.EqualTo("SEGV"));
        Assert.That(result.ExitCode, Is.Null);
    }

    [Test]
    public async Task Timeout_kills_command_and_its_children()
    {
        var result = await _vm.RunAsync("sleep 4321 & sleep 4322", GuestCommandOptions.Default.WithTimeout(TimeSpan.FromSeconds(2)));
        var leftovers = await _vm.RunAsync("ps | grep 'sleep 432[12]' || true", Quick);

        Assert.That(result.Outcome, Is.EqualTo(GuestCommandOutcome.TimedOut), result.DescribeOutcome());
        Assert.That(result.Duration, Is.LessThan(TimeSpan.FromSeconds(15)));
        Assert.That(leftovers.StandardOutput, Is.Empty, "the whole process group is killed");
    }

    [Test]
    public async Task Cancellation_is_its_own_outcome()
    {
        using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(1));

        var result = await _vm.RunAsync("sleep 4323", Quick, cancellation.Token);

        Assert.That(result.Outcome, Is.EqualTo(GuestCommandOutcome.Cancelled), result.DescribeOutcome());
    }

    [Test]
    public async Task Output_lines_stream_while_command_runs()
    {
        var clock = Stopwatch.StartNew();
        var firstLineAt = TimeSpan.Zero;
        var secondLineAt = TimeSpan.Zero;
        var options = Quick.WithStandardOutputHandler(line =>
        {
            if (line == "first")
                firstLineAt = clock.Elapsed;
            else if (line == "second")
                secondLineAt = clock.Elapsed;
        });

        var result = await _vm.RunAsync("echo first; sleep 3; echo second", options);

        // Both times come from the handler's clock, so channel set-up time does
        // not count. Without streaming the gap would be zero, and the 2 s margin
        // absorbs a late first line (a loaded host once delayed it by 0.94 s).
        Assert.That(result.StandardOutput, Is.EqualTo("first\nsecond\n"));
        Assert.That(firstLineAt, Is.GreaterThan(TimeSpan.Zero), "the handler saw the first line");
        Assert.That(secondLineAt - firstLineAt, Is.GreaterThan(TimeSpan.FromSeconds(1)), "the first line arrived only with the second, after the sleep");
    }

    [Test]
    public async Task Command_without_input_sees_end_of_file()
    {
        var result = await _vm.RunAsync("cat; echo done", Quick);

        Assert.That(result.Outcome, Is.EqualTo(GuestCommandOutcome.Exited), result.DescribeOutcome());
        Assert.That(result.StandardOutput, Is.EqualTo("done\n"));
    }

    [Test]
    public async Task Standard_input_reaches_command()
    {
        using var input = new MemoryStream("line one\nline two\n"u8.ToArray());

        var result = await _vm.RunAsync("wc -l", Quick.WithStandardInput(input));

        Assert.That(result.StandardOutput.Trim(), Is.EqualTo("2"));
    }

    [Test]
    public async Task Command_may_ignore_its_input()
    {
        using var input = new MemoryStream(new byte[4 * 1024 * 1024]);

        var result = await _vm.RunAsync("exit 0", Quick.WithStandardInput(input));

        Assert.That(result.Outcome, Is.EqualTo(GuestCommandOutcome.Exited), result.DescribeOutcome());
        Assert.That(result.ExitCode, Is.Zero);
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(3_000_001)]
    public async Task Upload_then_download_round_trips(int size)
    {
        var local = Path.Combine(_prerequisites.WorkDirectory, $"upload-{size}.bin");
        var back = Path.Combine(_prerequisites.WorkDirectory, $"download-{size}.bin");
        File.WriteAllBytes(local, RandomNumberGenerator.GetBytes(size));
        var remote = $"/tmp/transfer/dir with space/file-{size}.bin";

        await _vm.UploadAsync(local, remote, (UnixFileMode)0x1ed);
        var stat = await _vm.RunAsync($"stat -c '%s %a' '{remote}'", Quick);
        await _vm.DownloadAsync(remote, back);

        Assert.That(stat.StandardOutput.Trim(), Is.EqualTo($"{size} 755"));
        Assert.That(File.ReadAllBytes(back), Is.EqualTo(File.ReadAllBytes(local)));
    }

    [Test]
    public void Download_of_missing_file_names_the_file()
    {
        var local = Path.Combine(_prerequisites.WorkDirectory, "missing.bin");

        var error = Assert.ThrowsAsync<GuestCommandException>(() => _vm.DownloadAsync("/no/such/file", local));

        Assert.That(error!.Message, Does.Contain("Downloading '/no/such/file'").And.Contain("exited with code 1"));
        Assert.That(error.Message, Does.Contain("No such file"));
        Assert.That(File.Exists(local), Is.False);
        Assert.That(File.Exists(local + ".part"), Is.False);
    }

    [Test]
    public async Task Guest_has_kernel_file_systems_mounted()
    {
        var result = await _vm.RunAsync("cut -d' ' -f2,3 /proc/mounts", Quick);

        Assert.That(result.StandardOutput, Does.Contain("/proc proc").And.Contain("/sys sysfs").And.Contain("/dev devtmpfs")
            .And.Contain("/dev/pts devpts").And.Contain("/tmp tmpfs").And.Contain("/run tmpfs"));
        Assert.That(result.StandardOutput, Does.Contain("/sys/fs/bpf bpf"), "the kernel has CONFIG_BPF_SYSCALL");
        Assert.That(result.StandardOutput, Does.Contain("/sys/kernel/security securityfs"), "the kernel has CONFIG_SECURITYFS");
    }

    [Test]
    public void Console_log_has_ready_marker_with_nonce()
    {
        var console = File.ReadAllText(_vm.Boot.ConsoleLog);

        Assert.That(console, Does.Contain($"harness-guest-ready {_vm.Machine.Nonce} "));
    }
}
