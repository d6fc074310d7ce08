using System.ComponentModel;
using CliWrap;
using Harness.Core;

namespace Harness.Vm;

/// <summary>Starts QEMU processes; the seam that lets tests replace QEMU with a scripted fake.</summary>
public interface IQemuLauncher
{
    /// <summary>
    /// Starts <paramref name="command"/>, calling <paramref name="onStandardOutputLine"/>
    /// for each line of the serial console and <paramref name="onStandardErrorLine"/>
    /// for each of QEMU's own messages.
    /// </summary>
    IQemuProcess Start(ExternalCommand command, Action<string> onStandardOutputLine, Action<string> onStandardErrorLine);
}

/// <summary>A running QEMU process.</summary>
public interface IQemuProcess : IAsyncDisposable
{
    int ProcessId { get; }

    /// <summary>Completes with the exit code when the process ends, or -1 when it was killed.</summary>
    Task<int> Exited { get; }

    bool HasExited { get; }

    /// <summary>Kills the process at once (SIGKILL); returns without waiting for it to end.</summary>
    void Kill();
}

/// <summary>Runs the real QEMU through CliWrap.</summary>
public sealed class QemuLauncher : IQemuLauncher
{
    public static readonly QemuLauncher Instance = new();

    public IQemuProcess Start(ExternalCommand command, Action<string> onStandardOutputLine, Action<string> onStandardErrorLine)
    {
        // The runner's RunAsync waits for the process to end, which does not fit a VM
        // that lives for a whole run, so CliWrap is used directly here.
        var forceful = new CancellationTokenSource();
        var cli = Cli.Wrap(command.Program)
            .WithArguments(command.Arguments)
            .WithValidation(CommandResultValidation.None)
            .WithStandardOutputPipe(PipeTarget.ToDelegate(line => onStandardOutputLine(line.TrimEnd('\r'))))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(onStandardErrorLine));
        try
        {
            return new Process(cli.ExecuteAsync(forceful.Token), forceful);
        }
        catch (Win32Exception exception)
        {
            throw new GuestVmException(
                $"Starting QEMU failed: '{command.Program}' could not be run ({exception.Message}). " +
                "Install Debian's qemu-system-x86 package or set VmOptions.QemuPath.", exception);
        }
    }

    private sealed class Process : IQemuProcess
    {
        private readonly CommandTask<CommandResult> _task;
        private readonly CancellationTokenSource _forceful;

        public Process(CommandTask<CommandResult> task, CancellationTokenSource forceful)
        {
            _task = task;
            _forceful = forceful;
            Exited = WaitAsync();
        }

        public int ProcessId => _task.ProcessId;

        public Task<int> Exited { get; }

        public bool HasExited => Exited.IsCompleted;

        public void Kill()
        {
            if (!_forceful.IsCancellationRequested)
                _forceful.Cancel();
        }

        public async ValueTask DisposeAsync()
        {
            // The token source is not disposed: it has no timer to release, and a Kill
            // racing with disposal must not throw.
            Kill();
            await Exited;
        }

        private async Task<int> WaitAsync()
        {
            try
            {
                var result = await _task;
                return result.ExitCode;
            }
            catch (OperationCanceledException)
            {
                return -1;
            }
        }
    }
}
