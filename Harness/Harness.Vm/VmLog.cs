using Microsoft.Extensions.Logging;

namespace Harness.Vm;

/// <summary>Every log message of the boot and SSH stage.</summary>
internal static partial class VmLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Starting QEMU for {Vm} ({Accelerator}, SSH on 127.0.0.1:{Port}): {CommandLine}")]
    public static partial void StartingQemu(this ILogger logger, string vm, Accelerator accelerator, int port, string commandLine);

    [LoggerMessage(Level = LogLevel.Information, Message = "Guest {Vm} (QEMU pid {Pid}) is ready after {Seconds:0.00} s; guest timings:{Timings}")]
    public static partial void GuestReady(this ILogger logger, string vm, int pid, double seconds, string timings);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Retrying QEMU for {Vm} with another port: 127.0.0.1:{Port} was taken")]
    public static partial void RetryingPort(this ILogger logger, string vm, int port);

    [LoggerMessage(Level = LogLevel.Debug, Message = "QEMU {Vm} (pid {Pid}) stderr: {Line}")]
    public static partial void QemuStandardError(this ILogger logger, string vm, int pid, string line);

    [LoggerMessage(Level = LogLevel.Error, Message = "Guest {Vm} (QEMU pid {Pid}) panicked: {Line}")]
    public static partial void GuestPanicked(this ILogger logger, string vm, int pid, string line);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Killing QEMU {Vm} (pid {Pid}): {Reason}")]
    public static partial void KillingQemu(this ILogger logger, string vm, int pid, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped guest {Vm} (QEMU pid {Pid}, exit code {ExitCode}) in {Seconds:0.00} s")]
    public static partial void StoppedGuest(this ILogger logger, string vm, int pid, int exitCode, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failed to send 'reboot -f' to guest {Vm}; QEMU will be killed: {Error}")]
    public static partial void FailedToRequestReboot(this ILogger logger, string vm, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "KVM is not usable ({Reason}); using TCG, which runs the guest several times slower")]
    public static partial void FallingBackToTcg(this ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Using KVM ({Reason})")]
    public static partial void UsingKvm(this ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Probing KVM: {CommandLine}")]
    public static partial void ProbingKvm(this ILogger logger, string commandLine);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failed to write the accelerator probe state file '{Path}'")]
    public static partial void FailedToWriteProbeState(this ILogger logger, string path, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connecting over SSH to {Endpoint} (attempt {Attempt})")]
    public static partial void ConnectingSsh(this ILogger logger, string endpoint, int attempt);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Retrying SSH connection to {Endpoint} after attempt {Attempt}: {Error}")]
    public static partial void RetryingSsh(this ILogger logger, string endpoint, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected over SSH to {Endpoint} in {Seconds:0.00} s (host key {Fingerprint})")]
    public static partial void ConnectedSsh(this ILogger logger, string endpoint, double seconds, string fingerprint);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Running on {Endpoint}: {Command}")]
    public static partial void RunningGuestCommand(this ILogger logger, string endpoint, string command);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Command on {Endpoint} ended ({Outcome}) after {Seconds:0.00} s: {Command}")]
    public static partial void FinishedGuestCommand(this ILogger logger, string endpoint, string outcome, double seconds, string command);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopped reading a command's output on {Endpoint}: {Error}")]
    public static partial void CommandOutputCut(this ILogger logger, string endpoint, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failed to kill a timed-out or cancelled command on {Endpoint}; closing its channel instead: {Error}")]
    public static partial void FailedToStopGuestCommand(this ILogger logger, string endpoint, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Copied {Bytes} bytes {Direction} {Endpoint}: '{Source}' to '{Destination}'")]
    public static partial void CopiedFile(this ILogger logger, long bytes, string direction, string endpoint, string source, string destination);
}
