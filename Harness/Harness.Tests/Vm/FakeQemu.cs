using System.Collections.Concurrent;
using Harness.Core;
using Harness.Image;
using Harness.Vm;
using Microsoft.Extensions.Logging;

namespace Harness.Tests.Vm;

/// <summary>What a fake QEMU process does: console lines after delays, QEMU messages, then an exit or a hang.</summary>
public sealed record FakeQemuScript
{
    public IReadOnlyList<(TimeSpan Delay, string Line)> Console { get; init; } = [];

    public IReadOnlyList<string> Messages { get; init; } = [];

    /// <summary>Exit code once the console lines are out; null keeps the process running until killed.</summary>
    public int? ExitCode { get; init; }

    public static FakeQemuScript Hangs() => new();

    public static FakeQemuScript Prints(params string[] lines) =>
        new() { Console = lines.Select(l => (TimeSpan.FromMilliseconds(10), l)).ToList() };

    public FakeQemuScript ThenExits(int exitCode) => this with { ExitCode = exitCode };

    public FakeQemuScript WithMessages(params string[] messages) => this with { Messages = messages };
}

/// <summary>An <see cref="IQemuLauncher"/> that runs scripts instead of QEMU and records each command.</summary>
public sealed class FakeQemuLauncher(Func<ExternalCommand, int, FakeQemuScript> script) : IQemuLauncher
{
    private readonly ConcurrentQueue<ExternalCommand> _started = new();
    private readonly ConcurrentQueue<FakeQemuProcess> _processes = new();

    public FakeQemuLauncher(FakeQemuScript script)
        : this((_, _) => script)
    {
    }

    public IReadOnlyList<ExternalCommand> Started => [.. _started];

    public IReadOnlyList<FakeQemuProcess> Processes => [.. _processes];

    public IQemuProcess Start(ExternalCommand command, Action<string> onStandardOutputLine, Action<string> onStandardErrorLine)
    {
        var attempt = _started.Count;
        _started.Enqueue(command);
        var process = new FakeQemuProcess(1000 + attempt, script(command, attempt), onStandardOutputLine, onStandardErrorLine);
        _processes.Enqueue(process);
        return process;
    }

    /// <summary>Reads the boot nonce from a command's -append argument, as init would from /proc/cmdline.</summary>
    public static string NonceOf(ExternalCommand command)
    {
        var append = command.Arguments[command.Arguments.ToList().IndexOf("-append") + 1];
        return append.Split(' ').Single(a => a.StartsWith(GuestLayout.NonceParameter + "=", StringComparison.Ordinal))
            [(GuestLayout.NonceParameter.Length + 1)..];
    }

    /// <summary>The 127.0.0.1 port a boot command forwards to the guest's SSH port.</summary>
    public static int PortOf(ExternalCommand command)
    {
        var netdev = command.Arguments[command.Arguments.ToList().IndexOf("-netdev") + 1];
        var forward = netdev[(netdev.IndexOf("hostfwd=tcp:127.0.0.1:", StringComparison.Ordinal) + "hostfwd=tcp:127.0.0.1:".Length)..];
        return int.Parse(forward[..forward.IndexOf('-', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
    }
}

public sealed class FakeQemuProcess : IQemuProcess
{
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _killed = new();

    public FakeQemuProcess(int processId, FakeQemuScript script, Action<string> onConsoleLine, Action<string> onMessage)
    {
        ProcessId = processId;
        _ = RunAsync(script, onConsoleLine, onMessage);
    }

    public int ProcessId { get; }

    public Task<int> Exited => _exited.Task;

    public bool HasExited => _exited.Task.IsCompleted;

    public bool WasKilled { get; private set; }

    public void Kill()
    {
        if (HasExited)
            return;
        WasKilled = true;
        _killed.Cancel();
        _exited.TrySetResult(-1);
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        return ValueTask.CompletedTask;
    }

    private async Task RunAsync(FakeQemuScript script, Action<string> onConsoleLine, Action<string> onMessage)
    {
        try
        {
            foreach (var message in script.Messages)
                onMessage(message);
            foreach (var (delay, line) in script.Console)
            {
                await Task.Delay(delay, _killed.Token);
                onConsoleLine(line);
            }
            if (script.ExitCode is { } code)
                _exited.TrySetResult(code);
        }
        catch (OperationCanceledException)
        {
            // Killed while printing; Kill already completed the exit.
        }
    }
}

/// <summary>A logger that keeps every message with its level, for asserting on warnings.</summary>
public sealed class ListLogger : ILogger
{
    private readonly ConcurrentQueue<(LogLevel Level, string Message)> _entries = new();

    public IReadOnlyList<(LogLevel Level, string Message)> Entries => [.. _entries];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _entries.Enqueue((logLevel, formatter(state, exception)));
}
