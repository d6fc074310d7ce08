using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Harness.Core;
using Harness.Image;
using Microsoft.Extensions.Logging;

namespace Harness.Vm;

/// <summary>
/// One QEMU process booting a guest: it starts QEMU, streams the serial console
/// (to a file, to a tail kept for error messages and to the caller), waits for
/// init's ready marker, and kills QEMU after a kernel panic. SSH is not its
/// concern; <see cref="GuestVm"/> adds that.
/// </summary>
public sealed class QemuMachine : IAsyncDisposable
{
    private const string PanicText = "Kernel panic - not syncing";
    private const string PortClashText = "Could not set up host forwarding rule";
    private const int ConsoleTailLines = 40;
    private const int MaxPortAttempts = 3;

    private readonly ILogger _logger;
    private readonly Action<string>? _onConsoleLine;
    private readonly TimeSpan _panicExitTimeout;
    private readonly Queue<string> _consoleTail = new();
    private readonly ConcurrentQueue<string> _qemuMessages = new();
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _guestFailure = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _panic = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IQemuProcess? _process;
    private volatile string? _killReason;

    private QemuMachine(string name, Accelerator accelerator, ExternalCommand command, int sshPort, string nonce,
        string consoleLog, VmOptions options, ILogger logger)
    {
        Name = name;
        Accelerator = accelerator;
        Command = command;
        SshPort = sshPort;
        Nonce = nonce;
        ConsoleLog = consoleLog;
        _onConsoleLine = options.OnConsoleLine;
        _panicExitTimeout = options.PanicExitTimeout;
        _logger = logger;
    }

    public string Name { get; }

    public Accelerator Accelerator { get; }

    /// <summary>The exact QEMU command, as logged.</summary>
    public ExternalCommand Command { get; }

    public string CommandLine => Command.ToShellString();

    /// <summary>The 127.0.0.1 port forwarded to the guest's SSH server.</summary>
    public int SshPort { get; }

    /// <summary>The per-boot value passed on the kernel command line and expected in the ready marker.</summary>
    public string Nonce { get; }

    /// <summary>The serial console as QEMU wrote it, byte for byte.</summary>
    public string ConsoleLog { get; }

    public int ProcessId => _process?.ProcessId ?? 0;

    /// <summary>Time from QEMU's start to the ready marker.</summary>
    public TimeSpan TimeToReady { get; private set; }

    /// <summary>The step timings init printed after the nonce, such as " uptime=1.52 init=0.98 …".</summary>
    public string GuestTimings { get; private set; } = "";

    /// <summary>Completes with QEMU's exit code, or -1 when it was killed.</summary>
    public Task<int> Exited => _process?.Exited ?? Task.FromResult(-1);

    public bool HasExited => _process?.HasExited ?? true;

    /// <summary>The "Kernel panic - not syncing" line, once the kernel printed one.</summary>
    public string? PanicLine => _panic.Task.IsCompleted ? _panic.Task.Result : null;

    /// <summary>Why the harness killed QEMU, or null when it did not.</summary>
    public string? KillReason => _killReason;

    /// <summary>
    /// Starts QEMU and waits until init prints the ready marker with this boot's
    /// nonce. Retries with another port when QEMU cannot bind the chosen one.
    /// </summary>
    /// <exception cref="GuestVmException">
    /// QEMU exited, the kernel panicked, init reported a failed step, or the boot
    /// timed out; QEMU is not running afterwards.
    /// </exception>
    public static async Task<QemuMachine> BootAsync(
        VmOptions options, Accelerator accelerator, string workDirectory, IQemuLauncher launcher, ILogger logger,
        CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(workDirectory);
        var consoleLog = Path.Combine(workDirectory, "console.log");

        for (var attempt = 1; ; attempt++)
        {
            var port = TcpPorts.PickFreeLoopbackPort();
            var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
            var command = QemuCommandLine.ForBoot(options, accelerator, port, nonce, consoleLog);
            var machine = new QemuMachine(options.Name, accelerator, command, port, nonce, consoleLog, options, logger);
            try
            {
                await machine.StartAndWaitForReadyAsync(launcher, options.BootTimeout, cancellationToken);
                return machine;
            }
            catch (PortClashException) when (attempt < MaxPortAttempts)
            {
                logger.RetryingPort(options.Name, port);
                await machine.DisposeAsync();
            }
            catch
            {
                await machine.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>The last console lines, oldest first.</summary>
    public IReadOnlyList<string> ConsoleTail()
    {
        lock (_consoleTail)
            return _consoleTail.ToArray();
    }

    /// <summary>What QEMU printed on its standard error.</summary>
    public IReadOnlyList<string> QemuMessages() => _qemuMessages.ToArray();

    /// <summary>Kills QEMU at once and records why; does nothing once it has exited.</summary>
    public void Kill(string reason)
    {
        if (_process is null || _process.HasExited)
            return;
        _killReason ??= reason;
        _logger.KillingQemu(Name, _process.ProcessId, reason);
        _process.Kill();
    }

    /// <summary>Waits for QEMU to exit; returns its exit code, or null when it still runs after <paramref name="timeout"/>.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var exited = Exited;
        var first = await Task.WhenAny(exited, Task.Delay(timeout, cancellationToken));
        return first == exited ? await exited : null;
    }

    /// <summary>Builds the error for a failure of this machine, with its command line and tails.</summary>
    public GuestVmException Failure(string summary, string nextStep, Exception? innerException = null) =>
        new(GuestVmException.Describe(summary, CommandLine, QemuMessages(), ConsoleTail(), ConsoleLog, nextStep), innerException)
        {
            ConsoleTail = ConsoleTail(),
        };

    public async ValueTask DisposeAsync()
    {
        if (_process is null)
            return;
        if (!_process.HasExited)
            Kill("the VM was disposed while QEMU still ran");
        await _process.DisposeAsync();
    }

    private async Task StartAndWaitForReadyAsync(IQemuLauncher launcher, TimeSpan bootTimeout, CancellationToken cancellationToken)
    {
        _logger.StartingQemu(Name, Accelerator, SshPort, CommandLine);
        var clock = Stopwatch.StartNew();
        _process = launcher.Start(Command, OnConsoleLine, OnQemuMessage);

        var timeout = Task.Delay(bootTimeout, cancellationToken);
        var first = await Task.WhenAny(_ready.Task, _guestFailure.Task, _panic.Task, _process.Exited, timeout);

        if (first == _ready.Task)
        {
            TimeToReady = clock.Elapsed;
            var line = await _ready.Task;
            GuestTimings = line[(line.IndexOf(Nonce, StringComparison.Ordinal) + Nonce.Length)..];
            _logger.GuestReady(Name, ProcessId, TimeToReady.TotalSeconds, GuestTimings);
            return;
        }

        if (first == _process.Exited)
        {
            var exitCode = await _process.Exited;
            if (QemuMessages().Any(m => m.Contains(PortClashText, StringComparison.Ordinal)))
                throw new PortClashException();
            throw Failure(
                $"Booting guest {Name} failed: QEMU (pid {ProcessId}) exited with code {exitCode} after {clock.Elapsed.TotalSeconds:0.0} s, before the guest was ready.",
                "Read the QEMU messages above; run the command by hand to see the whole output.");
        }

        if (first == _panic.Task)
        {
            await WaitForExitAsync(_panicExitTimeout, CancellationToken.None);
            Kill("the kernel panicked during boot");
            throw Failure(
                $"Booting guest {Name} failed: the kernel panicked after {clock.Elapsed.TotalSeconds:0.0} s (QEMU pid {ProcessId}): {await _panic.Task}",
                "Read the panic's stack trace in the console log; a panic about the root file system or init usually means a broken initrd.");
        }

        if (first == _guestFailure.Task)
        {
            Kill("init reported a failed step");
            throw Failure(
                $"Booting guest {Name} failed: init reported a failed step after {clock.Elapsed.TotalSeconds:0.0} s (QEMU pid {ProcessId}): {await _guestFailure.Task}",
                "Check that the kernel has the options the step needs (virtio-net, devtmpfs, tmpfs) and that the initrd has the keys archive appended.");
        }

        Kill(cancellationToken.IsCancellationRequested ? "the boot was cancelled" : "the boot timed out");
        cancellationToken.ThrowIfCancellationRequested();
        throw Failure(
            $"Booting guest {Name} timed out: no ready marker '{GuestLayout.ReadyMarker} {Nonce}' within {bootTimeout.TotalSeconds:0.#} s (QEMU pid {ProcessId}, {Accelerator}).",
            Accelerator == Accelerator.Tcg
                ? "If the console stops early, boot with a higher ConsoleLogLevel; under TCG a loaded host may also need a longer BootTimeout."
                : "If the console is empty, KVM may hang on this host; retry with AcceleratorMode.Tcg.");
    }

    private void OnConsoleLine(string line)
    {
        lock (_consoleTail)
        {
            _consoleTail.Enqueue(line);
            if (_consoleTail.Count > ConsoleTailLines)
                _consoleTail.Dequeue();
        }

        if (line.Contains(GuestLayout.ReadyMarker + " " + Nonce, StringComparison.Ordinal))
            _ready.TrySetResult(line);
        else if (line.Contains(GuestLayout.FailureMarker + " " + Nonce, StringComparison.Ordinal))
            _guestFailure.TrySetResult(line);
        else if (line.Contains(PanicText, StringComparison.Ordinal))
            OnPanic(line);

        _onConsoleLine?.Invoke(line);
    }

    private void OnPanic(string line)
    {
        if (!_panic.TrySetResult(line))
            return;
        _logger.GuestPanicked(Name, ProcessId, line);
        _ = KillIfStillRunningAsync(_panicExitTimeout, "the kernel panicked and QEMU did not exit");
    }

    private async Task KillIfStillRunningAsync(TimeSpan grace, string reason)
    {
        if (await WaitForExitAsync(grace) is null)
            Kill(reason);
    }

    private void OnQemuMessage(string line)
    {
        _qemuMessages.Enqueue(line);
        _logger.QemuStandardError(Name, ProcessId, line);
    }

    private sealed class PortClashException : Exception;
}
