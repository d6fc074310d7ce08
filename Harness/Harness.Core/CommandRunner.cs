using System.Diagnostics;
using System.Text;
using CliWrap;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Harness.Core;

/// <summary>
/// Runs every external program of the pipeline through CliWrap: logs the exact
/// command line, appends output to the command's log file, keeps a tail for error
/// messages, and honours cancellation (SIGINT first, then a kill after a grace period).
/// </summary>
public sealed class CommandRunner(ILogger? logger = null)
{
    private const int TailLines = 30;

    /// <summary>Upper bound on captured stdout/stderr kept in memory; the log file keeps everything.</summary>
    private const int CaptureLimit = 8 * 1024 * 1024;

    private static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(5);

    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>Runs the command and returns its outcome whatever the exit code.</summary>
    public async Task<CommandOutcome> RunAsync(
        ExternalCommand command,
        Action<string>? onLine = null,
        CancellationToken cancellationToken = default)
    {
        _logger.LogDebug("Running {Command}", command.ToShellString());

        using var log = OpenLog(command);
        var stdout = new BoundedText(CaptureLimit);
        var stderr = new BoundedText(CaptureLimit);
        var tail = new Queue<string>();
        var gate = new object();

        void OnLine(string line, BoundedText sink)
        {
            lock (gate)
            {
                sink.AppendLine(line);
                tail.Enqueue(line);
                if (tail.Count > TailLines)
                    tail.Dequeue();
                log?.WriteLine(line);
            }
            onLine?.Invoke(line);
        }

        var cli = Cli.Wrap(command.Program)
            .WithArguments(command.Arguments)
            .WithValidation(CommandResultValidation.None)
            .WithStandardOutputPipe(PipeTarget.ToDelegate(line => OnLine(line, stdout)))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(line => OnLine(line, stderr)));
        if (command.WorkingDirectory is not null)
            cli = cli.WithWorkingDirectory(command.WorkingDirectory);
        if (command.Environment.Count > 0)
            cli = cli.WithEnvironmentVariables(command.Environment);
        if (command.StandardInput is not null)
            cli = cli.WithStandardInputPipe(PipeSource.FromString(command.StandardInput));

        using var timeout = command.Timeout is { } limit
            ? new CancellationTokenSource(limit)
            : new CancellationTokenSource();
        using var graceful = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using var forceful = new CancellationTokenSource();
        await using var escalate = graceful.Token.Register(() => forceful.CancelAfter(GracePeriod));

        var clock = Stopwatch.StartNew();
        var processId = 0;
        int exitCode;
        try
        {
            var task = cli.ExecuteAsync(forceful.Token, graceful.Token);
            processId = task.ProcessId;
            var result = await task;
            exitCode = result.ExitCode;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var timedOut = new CommandOutcome(command, processId, -1, clock.Elapsed, stdout.ToString(), stderr.ToString(), tail.ToArray());
            _logger.LogWarning("Command {Program} (pid {Pid}) timed out after {Seconds:0} s", command.Program, processId, clock.Elapsed.TotalSeconds);
            throw new CommandFailedException(timedOut, timedOut: true);
        }

        lock (gate)
        {
            log?.WriteLine($"# exit code {exitCode} after {clock.Elapsed.TotalSeconds:0.0} s");
        }
        _logger.LogDebug("{Program} (pid {Pid}) exited with {ExitCode} after {Seconds:0.0} s",
            Path.GetFileName(command.Program), processId, exitCode, clock.Elapsed.TotalSeconds);
        return new CommandOutcome(command, processId, exitCode, clock.Elapsed, stdout.ToString(), stderr.ToString(), tail.ToArray());
    }

    /// <summary>Runs the command and throws <see cref="CommandFailedException"/> unless it exits with 0.</summary>
    public async Task<CommandOutcome> RunCheckedAsync(
        ExternalCommand command,
        Action<string>? onLine = null,
        string? nextStep = null,
        CancellationToken cancellationToken = default)
    {
        var outcome = await RunAsync(command, onLine, cancellationToken);
        if (!outcome.Succeeded)
            throw new CommandFailedException(outcome, nextStep);
        return outcome;
    }

    /// <summary>Runs the command and returns its standard output without the trailing newline.</summary>
    public async Task<string> ReadAsync(ExternalCommand command, CancellationToken cancellationToken = default)
    {
        var outcome = await RunCheckedAsync(command, cancellationToken: cancellationToken);
        return outcome.StandardOutput.TrimEnd('\n');
    }

    private static StreamWriter? OpenLog(ExternalCommand command)
    {
        if (command.LogFile is null)
            return null;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(command.LogFile))!);
        var writer = new StreamWriter(command.LogFile, append: true) { AutoFlush = true };
        writer.WriteLine($"$ {command.ToShellString()}" +
                         (command.WorkingDirectory is null ? "" : $"    # in {command.WorkingDirectory}"));
        return writer;
    }

    /// <summary>Text that stops growing at a size limit and notes that it was cut.</summary>
    private sealed class BoundedText(int limit)
    {
        private readonly StringBuilder _text = new();
        private bool _truncated;

        public void AppendLine(string line)
        {
            if (_text.Length + line.Length + 1 > limit)
            {
                _truncated = true;
                return;
            }
            _text.Append(line).Append('\n');
        }

        public override string ToString() =>
            _truncated ? _text + "[output cut at the capture limit; the log file has all of it]\n" : _text.ToString();
    }
}
