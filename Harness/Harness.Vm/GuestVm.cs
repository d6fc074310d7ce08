using System.Diagnostics;
using Harness.Vm.Ssh;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Harness.Vm;

/// <summary>How a guest came up: where it runs, how it was started and how long each part took.</summary>
/// <param name="TimeToReady">From QEMU's start to init's ready marker (SSH server listening).</param>
/// <param name="TimeToSsh">From QEMU's start to an authenticated SSH session.</param>
/// <param name="GuestTimings">Init's own step times in seconds since kernel start, as it printed them.</param>
public sealed record GuestBoot(
    string Name,
    Accelerator Accelerator,
    string AcceleratorReason,
    int QemuProcessId,
    int SshPort,
    string CommandLine,
    string ConsoleLog,
    string WorkDirectory,
    TimeSpan TimeToReady,
    TimeSpan TimeToSsh,
    string GuestTimings);

/// <summary>
/// A booted guest with an SSH session: QEMU started, init ready, root logged in
/// with the run's key and the host key pinned. Disposing kills QEMU if it still
/// runs; <see cref="ShutdownAsync"/> stops it cleanly first.
/// </summary>
public sealed class GuestVm : IAsyncDisposable
{
    private readonly VmOptions _options;
    private readonly ILogger _logger;

    private GuestVm(VmOptions options, QemuMachine machine, GuestSshClient ssh, GuestBoot boot, ILogger logger)
    {
        _options = options;
        Machine = machine;
        Ssh = ssh;
        Boot = boot;
        _logger = logger;
    }

    public QemuMachine Machine { get; }

    /// <summary>The current SSH session; <see cref="ReconnectAsync"/> replaces it after a lost connection.</summary>
    public GuestSshClient Ssh { get; private set; }

    public GuestBoot Boot { get; }

    /// <summary>Boots a guest with the real QEMU and the process-wide accelerator probe.</summary>
    public static Task<GuestVm> StartAsync(VmOptions options, ILogger? logger = null, CancellationToken cancellationToken = default) =>
        StartAsync(options, QemuLauncher.Instance, AcceleratorProbe.Default, logger, cancellationToken);

    /// <summary>
    /// Boots a guest: chooses the accelerator, starts QEMU, waits for the ready
    /// marker, then connects over SSH.
    /// </summary>
    /// <exception cref="ArgumentException">An option is invalid (see <see cref="VmOptions.Validate"/>).</exception>
    /// <exception cref="GuestVmException">QEMU or the guest failed to come up; QEMU is not running afterwards.</exception>
    public static async Task<GuestVm> StartAsync(
        VmOptions options, IQemuLauncher launcher, AcceleratorProbe probe, ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        options.Validate();
        logger ??= NullLogger.Instance;
        var workDirectory = options.WorkDirectory ?? Directory.CreateTempSubdirectory($"harness-{options.Name}-").FullName;

        var choice = options.Accelerator switch
        {
            AcceleratorMode.Kvm => new AcceleratorChoice(Accelerator.Kvm, "KVM was requested"),
            AcceleratorMode.Tcg => new AcceleratorChoice(Accelerator.Tcg, "TCG was requested"),
            _ => await probe.ChooseAsync(options.QemuPath, options.KernelImage, logger, cancellationToken),
        };

        var clock = Stopwatch.StartNew();
        var machine = await QemuMachine.BootAsync(options, choice.Accelerator, workDirectory, launcher, logger, cancellationToken);
        GuestSshClient ssh;
        try
        {
            ssh = await ConnectAsync(options, machine, logger, cancellationToken);
        }
        catch
        {
            await machine.DisposeAsync();
            throw;
        }

        var boot = new GuestBoot(options.Name, choice.Accelerator, choice.Reason, machine.ProcessId, machine.SshPort,
            machine.CommandLine, machine.ConsoleLog, workDirectory, machine.TimeToReady, clock.Elapsed, machine.GuestTimings);
        return new GuestVm(options, machine, ssh, boot, logger);
    }

    /// <inheritdoc cref="GuestSshClient.RunAsync"/>
    public Task<GuestCommandResult> RunAsync(string command, GuestCommandOptions? options = null, CancellationToken cancellationToken = default) =>
        Ssh.RunAsync(command, options, cancellationToken);

    /// <inheritdoc cref="GuestSshClient.RunCheckedAsync"/>
    public Task<GuestCommandResult> RunCheckedAsync(string command, GuestCommandOptions? options = null, CancellationToken cancellationToken = default) =>
        Ssh.RunCheckedAsync(command, options, cancellationToken);

    /// <inheritdoc cref="GuestSshClient.UploadAsync"/>
    public Task UploadAsync(string localPath, string remotePath, UnixFileMode? mode = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Ssh.UploadAsync(localPath, remotePath, mode, timeout, cancellationToken);

    /// <inheritdoc cref="GuestSshClient.DownloadAsync"/>
    public Task DownloadAsync(string remotePath, string localPath, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Ssh.DownloadAsync(remotePath, localPath, timeout, cancellationToken);

    /// <summary>
    /// Replaces the SSH session with a new one, for example after a command killed
    /// its own session's dropbear process.
    /// </summary>
    /// <exception cref="GuestVmException">QEMU exited or the guest did not respond within the SSH connect timeout.</exception>
    public async Task ReconnectAsync(CancellationToken cancellationToken = default)
    {
        Ssh.Dispose();
        Ssh = await ConnectAsync(_options, Machine, _logger, cancellationToken);
    }

    /// <summary>
    /// Stops the guest with <c>reboot -f</c> over SSH, which makes QEMU exit because
    /// it runs with -no-reboot (poweroff would need ACPI, which a tinyconfig kernel
    /// lacks). A lost session is reconnected for that first. QEMU is killed when it
    /// still runs after <see cref="VmOptions.ShutdownTimeout"/>.
    /// </summary>
    /// <returns>QEMU's exit code: 0 after a clean stop, -1 when it had to be killed.</returns>
    public async Task<int> ShutdownAsync(CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        if (!Machine.HasExited)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(_options.ShutdownTimeout);
            await RequestRebootAsync(deadline.Token);

            var remaining = _options.ShutdownTimeout - clock.Elapsed;
            if (await Machine.WaitForExitAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, cancellationToken) is null)
                Machine.Kill($"the guest did not stop within {_options.ShutdownTimeout.TotalSeconds:0} s of 'reboot -f'");
        }

        var exitCode = await Machine.Exited;
        Ssh.Dispose();
        _logger.StoppedGuest(Boot.Name, Boot.QemuProcessId, exitCode, clock.Elapsed.TotalSeconds);
        return exitCode;
    }

    private async Task RequestRebootAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (!Ssh.IsConnected)
                await ReconnectAsync(cancellationToken);

            // The guest resets before the command can report, so this ends as a lost connection.
            await Ssh.RunAsync("reboot -f", GuestCommandOptions.Default.WithTimeout(_options.ShutdownTimeout), cancellationToken);
        }
        catch (Exception exception) when (exception is GuestVmException or OperationCanceledException)
        {
            // Without a session there is no clean way to stop the guest; the caller kills QEMU.
            _logger.FailedToRequestReboot(Boot.Name, exception.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // QEMU goes first: a disconnect from a hung guest could otherwise wait for a reply that never comes.
        await Machine.DisposeAsync();
        Ssh.Dispose();
    }

    private static async Task<GuestSshClient> ConnectAsync(
        VmOptions options, QemuMachine machine, ILogger logger, CancellationToken cancellationToken)
    {
        // Stop retrying as soon as QEMU exits, because a dead guest will not start responding.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _ = machine.Exited.ContinueWith(_ => CancelQuietly(stop), TaskScheduler.Default);
        try
        {
            return await GuestSshClient.ConnectAsync("127.0.0.1", machine.SshPort, options.Keys, options.SshConnectTimeout, logger, stop.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw machine.Failure(
                $"Connecting to guest {options.Name} failed: QEMU (pid {machine.ProcessId}) exited with code {await machine.Exited} after the ready marker.",
                "Read the console tail for a panic or an init error.");
        }
        catch (GuestSshException exception)
        {
            throw machine.Failure(exception.Message, "Read dropbear's log in the guest at /run/dropbear.log, or the console tail.", exception);
        }
    }

    private static void CancelQuietly(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The connection finished first and the source is gone; nothing to stop.
        }
    }
}
