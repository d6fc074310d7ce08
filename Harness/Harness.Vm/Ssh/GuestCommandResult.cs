using System.Text;

namespace Harness.Vm.Ssh;

/// <summary>How a command in the guest ended. Each is a different kind of failure in a report.</summary>
public enum GuestCommandOutcome
{
    /// <summary>The command exited by itself; <see cref="GuestCommandResult.ExitCode"/> has its code.</summary>
    Exited,

    /// <summary>A signal ended the command; <see cref="GuestCommandResult.Signal"/> names it and there is no exit code.</summary>
    Signaled,

    /// <summary>The command ran longer than its timeout, and the harness killed it and the processes it started (SIGKILL).</summary>
    TimedOut,

    /// <summary>The caller cancelled the command.</summary>
    Cancelled,

    /// <summary>The SSH connection dropped before the command ended: the guest crashed, rebooted or lost sshd.</summary>
    ConnectionLost,
}

/// <summary>Options of one guest command. Immutable; each <c>With…</c> method returns a copy.</summary>
public sealed record GuestCommandOptions
{
    public static readonly GuestCommandOptions Default = new();

    /// <summary>How long the command may run. The default of 5 minutes keeps a hung guest from hanging a run.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Called for each line of standard output while the command runs, on a thread of its own.</summary>
    public Action<string>? OnStandardOutputLine { get; init; }

    /// <summary>Called for each line of standard error while the command runs, on a thread of its own.</summary>
    public Action<string>? OnStandardErrorLine { get; init; }

    /// <summary>Bytes sent to the command's standard input, which is closed afterwards; with none it is closed at once.</summary>
    public Stream? StandardInput { get; init; }

    public GuestCommandOptions WithTimeout(TimeSpan timeout) => this with { Timeout = timeout };

    public GuestCommandOptions WithStandardOutputHandler(Action<string> handler) => this with { OnStandardOutputLine = handler };

    public GuestCommandOptions WithStandardErrorHandler(Action<string> handler) => this with { OnStandardErrorLine = handler };

    public GuestCommandOptions WithStandardInput(Stream input) => this with { StandardInput = input };
}

/// <summary>A finished guest command.</summary>
/// <param name="Endpoint">Where it ran, as <c>root@127.0.0.1:PORT</c>.</param>
/// <param name="ExitCode">Set only for <see cref="GuestCommandOutcome.Exited"/>.</param>
/// <param name="Signal">The signal name without "SIG" (as SSH sends it), set only for <see cref="GuestCommandOutcome.Signaled"/>.</param>
/// <param name="Error">What broke the connection, for <see cref="GuestCommandOutcome.ConnectionLost"/>.</param>
public sealed record GuestCommandResult(
    string Command,
    string Endpoint,
    GuestCommandOutcome Outcome,
    int? ExitCode,
    string? Signal,
    string StandardOutput,
    string StandardError,
    TimeSpan Duration,
    TimeSpan Timeout,
    string? Error = null)
{
    public bool Succeeded => Outcome == GuestCommandOutcome.Exited && ExitCode == 0;

    /// <summary>The outcome as a sentence fragment, such as "exited with code 2" or "was killed by signal SEGV".</summary>
    public string DescribeOutcome() => Outcome switch
    {
        GuestCommandOutcome.Exited => $"exited with code {ExitCode}",
        GuestCommandOutcome.Signaled => $"was killed by signal {Signal}",
        GuestCommandOutcome.TimedOut => $"timed out after {Timeout.TotalSeconds:0.#} s",
        GuestCommandOutcome.Cancelled => $"was cancelled after {Duration.TotalSeconds:0.#} s",
        GuestCommandOutcome.ConnectionLost => $"lost its SSH connection after {Duration.TotalSeconds:0.#} s" + (Error is null ? "" : $" ({Error})"),
        _ => Outcome.ToString(),
    };

    /// <summary>The last <paramref name="count"/> lines of standard output and standard error, each stream in order.</summary>
    public IReadOnlyList<string> Tail(int count = 20)
    {
        static IEnumerable<string> Last(string text, int n) =>
            text.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(n);

        return [.. Last(StandardOutput, count).Select(l => "stdout: " + l), .. Last(StandardError, count).Select(l => "stderr: " + l)];
    }
}

/// <summary>A guest command that did not succeed where success was required.</summary>
public sealed class GuestCommandException(string action, GuestCommandResult result, string? nextStep = null)
    : Exception(Describe(action, result, nextStep))
{
    public GuestCommandResult Result { get; } = result;

    private static string Describe(string action, GuestCommandResult result, string? nextStep)
    {
        var text = new StringBuilder();
        text.AppendLine($"{action} on {result.Endpoint} failed: the command {result.DescribeOutcome()}.");
        text.AppendLine($"  command: {result.Command}");
        var tail = result.Tail();
        if (tail.Count > 0)
        {
            text.AppendLine("  last output:");
            foreach (var line in tail)
                text.AppendLine("    " + line);
        }
        if (nextStep is not null)
            text.AppendLine($"  next step: {nextStep}");
        return text.ToString().TrimEnd();
    }
}
