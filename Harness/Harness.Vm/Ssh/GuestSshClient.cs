using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Harness.Core;
using Harness.Image;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Harness.Vm.Ssh;

/// <summary>
/// An SSH session with a guest's dropbear, through SSH.NET: connection with
/// retries and a pinned host key, commands with timeouts and streamed output,
/// and file transfer over exec channels (dropbear has no SFTP server and the
/// image has no scp, so files travel through <c>cat</c>).
/// </summary>
public sealed class GuestSshClient : IDisposable
{
    /// <summary>Upper bound on each captured stream kept in memory; callbacks still see every line.</summary>
    private const int CaptureLimit = 8 * 1024 * 1024;

    /// <summary>Wait between connection attempts; each attempt is itself bounded by the remaining deadline.</summary>
    private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>How long the output readers may lag behind the end of the command before they are abandoned.</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Environment variable that marks every process of one guest command, so that a timeout can kill them all.</summary>
    public const string CommandIdVariable = "HARNESS_COMMAND_ID";

    /// <summary>How long killing a timed-out command, and its channel closing afterwards, may each take.</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly SshClient _client;
    private readonly ILogger _logger;
    private bool _disposed;

    private GuestSshClient(SshClient client, string endpoint, ILogger logger)
    {
        _client = client;
        Endpoint = endpoint;
        _logger = logger;
    }

    /// <summary>The guest as <c>root@127.0.0.1:PORT</c>, for messages.</summary>
    public string Endpoint { get; }

    public bool IsConnected => _client.IsConnected;

    /// <summary>
    /// Connects as root with the client key of <paramref name="keys"/>, accepting only
    /// the host key of <paramref name="keys"/>. Refused connections and handshake
    /// errors are retried until <paramref name="timeout"/> has passed; a host key
    /// mismatch is not retried.
    /// </summary>
    /// <exception cref="GuestSshException">The deadline passed, or the guest offered another host key.</exception>
    public static async Task<GuestSshClient> ConnectAsync(
        string host, int port, GuestKeys keys, TimeSpan timeout, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        logger ??= NullLogger.Instance;
        var endpoint = $"{GuestLayout.SshUser}@{host}:{port}";
        var pinned = keys.HostKeyBlob;
        var clock = Stopwatch.StartNew();
        using var privateKey = new PrivateKeyFile(keys.ClientPrivateKeyPath);

        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            logger.ConnectingSsh(endpoint, attempt);

            var remaining = timeout - clock.Elapsed;
            var connection = new PrivateKeyConnectionInfo(host, port, GuestLayout.SshUser, privateKey)
            {
                Timeout = remaining > TimeSpan.FromSeconds(1) ? remaining : TimeSpan.FromSeconds(1),
            };
            var client = new SshClient(connection);
            string? offeredFingerprint = null;
            client.HostKeyReceived += (_, e) =>
            {
                e.CanTrust = e.HostKey.AsSpan().SequenceEqual(pinned);
                if (!e.CanTrust)
                    offeredFingerprint = $"{e.HostKeyName} SHA256:{e.FingerPrintSHA256}";
            };

            Exception failure;
            try
            {
                await client.ConnectAsync(cancellationToken);
                logger.ConnectedSsh(endpoint, clock.Elapsed.TotalSeconds, keys.HostKeyFingerprint);
                return new GuestSshClient(client, endpoint, logger);
            }
            catch (Exception exception) when (exception is SocketException or SshException or IOException or TimeoutException)
            {
                client.Dispose();
                failure = exception;
            }
            catch
            {
                client.Dispose();
                throw;
            }

            if (offeredFingerprint is not null)
                throw new GuestSshException(
                    $"Connecting to {endpoint} failed: the guest offered host key {offeredFingerprint}, " +
                    $"but this run pinned {keys.HostKeyFingerprint}. Something other than this run's guest listens on the port, " +
                    "or the initrd carries another run's keys; compose the initrd again with this run's keys.", failure);

            if (clock.Elapsed + RetryInterval >= timeout)
                throw new GuestSshException(
                    $"Connecting to {endpoint} timed out after {clock.Elapsed.TotalSeconds:0.0} s and {attempt} attempts; last error: " +
                    $"{failure.GetType().Name}: {failure.Message}. Check that the guest printed its ready marker and that " +
                    "nothing else listens on the port.", failure);

            logger.RetryingSsh(endpoint, attempt, $"{failure.GetType().Name}: {failure.Message}");
            await Task.Delay(RetryInterval, cancellationToken);
        }
    }

    /// <summary>
    /// Runs <paramref name="command"/> through the guest's shell and returns how it
    /// ended. The command's own failures do not throw. Exit codes, signals, timeouts,
    /// cancellation and lost connections are outcomes in the result; only reading the
    /// caller's <see cref="GuestCommandOptions.StandardInput"/> can throw. The command
    /// runs in a session of its own, with <see cref="CommandIdVariable"/> set.
    /// </summary>
    public Task<GuestCommandResult> RunAsync(
        string command, GuestCommandOptions? options = null, CancellationToken cancellationToken = default) =>
        ExecuteAsync(command, options ?? GuestCommandOptions.Default, rawStandardOutput: null, cancellationToken);

    /// <summary>Runs <paramref name="command"/> and throws unless it exits with code 0.</summary>
    /// <exception cref="GuestCommandException">The command did not exit with 0; the message has its outcome and output tail.</exception>
    public async Task<GuestCommandResult> RunCheckedAsync(
        string command, GuestCommandOptions? options = null, CancellationToken cancellationToken = default)
    {
        var result = await RunAsync(command, options, cancellationToken);
        if (!result.Succeeded)
            throw new GuestCommandException("Running a command", result);
        return result;
    }

    /// <summary>
    /// Copies a host file to <paramref name="remotePath"/> in the guest, creating its
    /// directory, and sets its permissions (the host file's when <paramref name="mode"/>
    /// is null). The file is written under a temporary name, its size checked, then renamed.
    /// </summary>
    /// <exception cref="GuestCommandException">The transfer failed; the message has the guest's error output.</exception>
    public async Task UploadAsync(
        string localPath, string remotePath, UnixFileMode? mode = null, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        var length = new FileInfo(localPath).Length;
        var permissions = (int)(mode ?? File.GetUnixFileMode(localPath)) & 0xfff;
        var target = ShellQuoting.Quote(remotePath);
        var temporary = ShellQuoting.Quote(remotePath + ".harness-upload");
        var directory = ShellQuoting.Quote(RemoteDirectoryOf(remotePath));
        var script =
            $"set -e; mkdir -p -- {directory}; cat > {temporary}; size=$(wc -c < {temporary}); " +
            $"if [ \"$size\" -ne {length} ]; then echo \"received $size of {length} bytes\" >&2; rm -f -- {temporary}; exit 1; fi; " +
            $"chmod {Convert.ToString(permissions, 8)} {temporary}; mv -f -- {temporary} {target}";

        await using var input = File.OpenRead(localPath);
        var options = GuestCommandOptions.Default.WithStandardInput(input) with { Timeout = timeout ?? GuestCommandOptions.Default.Timeout };
        var result = await ExecuteAsync(script, options, rawStandardOutput: null, cancellationToken);
        if (!result.Succeeded)
            throw new GuestCommandException($"Uploading '{localPath}' to '{remotePath}'", result,
                "Check that the guest file system has room (the root is a RAM file system sized by the VM's memory).");
        _logger.CopiedFile(length, "to", Endpoint, localPath, remotePath);
    }

    /// <summary>Copies <paramref name="remotePath"/> from the guest to a host file, replacing it only when the copy is complete.</summary>
    /// <exception cref="GuestCommandException">The transfer failed; the message has the guest's error output.</exception>
    public async Task DownloadAsync(
        string remotePath, string localPath, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var partial = localPath + ".part";
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(localPath))!);
        GuestCommandResult result;
        long length;
        await using (var output = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            var options = GuestCommandOptions.Default with { Timeout = timeout ?? GuestCommandOptions.Default.Timeout };
            result = await ExecuteAsync($"cat -- {ShellQuoting.Quote(remotePath)}", options, output, cancellationToken);
            length = output.Length;
        }

        if (!result.Succeeded)
        {
            File.Delete(partial);
            throw new GuestCommandException($"Downloading '{remotePath}' to '{localPath}'", result);
        }
        File.Move(partial, localPath, overwrite: true);
        _logger.CopiedFile(length, "from", Endpoint, remotePath, localPath);
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;

        if (_client.IsConnected)
        {
            try
            {
                _client.Disconnect();
            }
            catch (Exception exception) when (exception is SshException or SocketException or ObjectDisposedException)
            {
                // The guest may already be gone; the session is closed either way.
            }
        }
        _client.Dispose();
    }

    private async Task<GuestCommandResult> ExecuteAsync(
        string command, GuestCommandOptions options, Stream? rawStandardOutput, CancellationToken cancellationToken)
    {
        // dropbear runs the command's shell in the process group of its own session
        // process, and a timeout's signal would reach only that shell, leaving its
        // children running. So the command runs in a session of its own (setsid), with
        // an environment variable that its descendants inherit and StopRemoteAsync
        // looks for. export is a shell builtin, so the wrapper costs one exec (setsid).
        var commandId = Guid.NewGuid().ToString("N");

        // With SSH.NET 2026.0.1 and dropbear 2022.83, closing an empty input right after
        // the start sent no EOF (seen in tests), so the command waited for input
        // forever. Without input bytes the shell reads /dev/null instead.
        var input = await StandardInput.OpenAsync(options.StandardInput, cancellationToken);
        var redirect = input is null ? " </dev/null" : "";
        var wrapped = $"export {CommandIdVariable}={commandId}; exec setsid sh -c {ShellQuoting.Quote(command)}{redirect}";

        _logger.RunningGuestCommand(Endpoint, wrapped);
        var clock = Stopwatch.StartNew();
        var standardOutput = new BoundedText(CaptureLimit);
        var standardError = new BoundedText(CaptureLimit);

        GuestCommandResult Finish(GuestCommandOutcome outcome, int? exitCode = null, string? signal = null, string? error = null)
        {
            var result = new GuestCommandResult(command, Endpoint, outcome, exitCode, signal,
                standardOutput.ToString(), standardError.ToString(), clock.Elapsed, options.Timeout, error);
            _logger.FinishedGuestCommand(Endpoint, result.DescribeOutcome(), clock.Elapsed.TotalSeconds, command);
            return result;
        }

        SshCommand sshCommand;
        Task execution;
        try
        {
            sshCommand = _client.CreateCommand(wrapped, Encoding.UTF8);
            execution = sshCommand.ExecuteAsync(CancellationToken.None);
        }
        catch (Exception exception) when (IsConnectionFailure(exception))
        {
            return Finish(GuestCommandOutcome.ConnectionLost, error: exception.Message);
        }

        using (sshCommand)
        {
            var readers = new[]
            {
                rawStandardOutput is null
                    ? ReadLinesAsync(sshCommand.OutputStream, standardOutput, options.OnStandardOutputLine)
                    : sshCommand.OutputStream.CopyToAsync(rawStandardOutput, CancellationToken.None),
                ReadLinesAsync(sshCommand.ExtendedOutputStream, standardError, options.OnStandardErrorLine),
            };

            using var timeout = new CancellationTokenSource(options.Timeout);
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            var writer = input is null ? Task.CompletedTask : input.CopyToAsync(sshCommand, stopping.Token);

            GuestCommandOutcome? stopped = null;
            string? error = null;
            try
            {
                await execution.WaitAsync(stopping.Token);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                stopped = cancellationToken.IsCancellationRequested ? GuestCommandOutcome.Cancelled : GuestCommandOutcome.TimedOut;
                await StopRemoteAsync(sshCommand, execution, commandId);
            }
            catch (Exception exception) when (IsConnectionFailure(exception))
            {
                stopped = GuestCommandOutcome.ConnectionLost;
                error = exception.Message;
            }

            await DrainAsync(readers, writer);

            if (stopped is { } outcome)
                return Finish(outcome, error: error);
            if (sshCommand.ExitStatus is { } exitCode)
                return Finish(GuestCommandOutcome.Exited, exitCode: exitCode);
            if (sshCommand.ExitSignal is { } signal)
                return Finish(GuestCommandOutcome.Signaled, signal: signal);
            return Finish(GuestCommandOutcome.ConnectionLost, error: "the channel closed without an exit status or signal");
        }
    }

    /// <summary>
    /// Kills every process of a timed-out or cancelled command with SIGKILL over a
    /// second channel, finding them by the command id in their environment, then
    /// waits for the command's channel to close. When that does not happen in time,
    /// SSH.NET's own cancellation sends SIGKILL to the command's shell and closes
    /// the channel. A process that cleared its environment survives; the VM lives
    /// for one run only, so it dies with the VM.
    /// </summary>
    private async Task StopRemoteAsync(SshCommand command, Task execution, string commandId)
    {
        var killScript =
            $"for f in $(grep -l {CommandIdVariable}={commandId} /proc/[0-9]*/environ 2>/dev/null); do " +
            "f=${f#/proc/}; kill -KILL ${f%/environ} 2>/dev/null; done; true";
        try
        {
            using var kill = _client.CreateCommand(killScript);
            using var killTimeout = new CancellationTokenSource(StopTimeout);
            await kill.ExecuteAsync(killTimeout.Token);
            await execution.WaitAsync(StopTimeout);
            return;
        }
        catch (Exception exception) when (exception is TimeoutException or OperationCanceledException || IsConnectionFailure(exception))
        {
            _logger.FailedToStopGuestCommand(Endpoint, exception.Message);
        }

        try
        {
            // Despite its name, CancelAsync blocks until the server replies or the timeout passes.
            await Task.Run(() => command.CancelAsync(forceKill: true, millisecondsTimeout: (int)StopTimeout.TotalMilliseconds));
        }
        catch (Exception exception) when (exception is OperationCanceledException || IsConnectionFailure(exception))
        {
            // The channel is already closed, or the connection is gone; either way the wait is over.
        }
    }

    private static async Task ReadLinesAsync(Stream stream, BoundedText capture, Action<string>? onLine)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        while (await reader.ReadLineAsync() is { } line)
        {
            capture.AppendLine(line);
            onLine?.Invoke(line);
        }
    }

    private async Task DrainAsync(Task[] readers, Task writer)
    {
        // The writer is not awaited. When the command exits without reading all of its
        // input, SSH.NET's write keeps waiting for window space on the closed channel,
        // and the input left over does not change the command's outcome.
        _ = writer.ContinueWith(task => task.Exception, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

        // The output streams end when the channel closes. A reader that still blocks
        // after that (the connection died mid-read) is abandoned rather than awaited forever.
        try
        {
            await Task.WhenAll(readers).WaitAsync(DrainTimeout);
        }
        catch (Exception exception) when (exception is TimeoutException or OperationCanceledException || IsConnectionFailure(exception))
        {
            _logger.CommandOutputCut(Endpoint, exception.Message);
        }
    }

    private static bool IsConnectionFailure(Exception exception) =>
        exception is SshConnectionException or SshException or SocketException or IOException or ObjectDisposedException;

    private static string RemoteDirectoryOf(string remotePath)
    {
        var slash = remotePath.TrimEnd('/').LastIndexOf('/');
        return slash switch
        {
            < 0 => ".",
            0 => "/",
            _ => remotePath[..slash],
        };
    }

    /// <summary>
    /// A caller's standard input with its first block already read, so that an empty
    /// input is known before the command starts.
    /// </summary>
    private sealed class StandardInput(Stream rest, byte[] first, int firstLength)
    {
        public static async Task<StandardInput?> OpenAsync(Stream? source, CancellationToken cancellationToken)
        {
            if (source is null)
                return null;
            var first = new byte[64 * 1024];
            var length = await source.ReadAtLeastAsync(first, 1, throwOnEndOfStream: false, cancellationToken);
            return length == 0 ? null : new StandardInput(source, first, length);
        }

        /// <summary>
        /// Sends every byte and then EOF. In the same tests, a first write of at least
        /// one byte waited for the channel to open, and the EOF after it arrived.
        /// </summary>
        public async Task CopyToAsync(SshCommand command, CancellationToken cancellationToken)
        {
            await using var channelInput = command.CreateInputStream();
            await channelInput.WriteAsync(first.AsMemory(0, firstLength), cancellationToken);
            await rest.CopyToAsync(channelInput, cancellationToken);
        }
    }

    /// <summary>Text that stops growing at a size limit and ends with a note that it was cut.</summary>
    private sealed class BoundedText(int limit)
    {
        private readonly StringBuilder _text = new();
        private bool _truncated;

        public void AppendLine(string line)
        {
            lock (_text)
            {
                if (_text.Length + line.Length + 1 > limit)
                {
                    _truncated = true;
                    return;
                }
                _text.Append(line).Append('\n');
            }
        }

        public override string ToString()
        {
            lock (_text)
                return _truncated ? _text + "[output cut at the capture limit]\n" : _text.ToString();
        }
    }
}

/// <summary>An SSH connection to a guest that could not be set up.</summary>
public sealed class GuestSshException(string message, Exception? innerException = null) : Exception(message, innerException);
