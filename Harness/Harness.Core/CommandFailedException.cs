using System.Text;

namespace Harness.Core;

/// <summary>
/// An external command that exited non-zero or timed out. The message names the
/// program, its pid, the exit code, the exact command line and the tail of its output.
/// </summary>
public sealed class CommandFailedException : Exception
{
    public CommandFailedException(CommandOutcome outcome, string? nextStep = null, bool timedOut = false)
        : base(Describe(outcome, nextStep, timedOut))
    {
        Outcome = outcome;
        TimedOut = timedOut;
    }

    public CommandOutcome Outcome { get; }

    public bool TimedOut { get; }

    private static string Describe(CommandOutcome outcome, string? nextStep, bool timedOut)
    {
        var command = outcome.Command;
        var text = new StringBuilder();
        var what = timedOut
            ? $"timed out after {command.Timeout?.TotalSeconds:0} s"
            : $"failed with exit code {outcome.ExitCode}";
        text.Append($"{Path.GetFileName(command.Program)} (pid {outcome.ProcessId}) {what}");
        if (command.WorkingDirectory is not null)
            text.Append($" in '{command.WorkingDirectory}'");
        text.AppendLine(".");
        text.AppendLine($"  command: {command.ToShellString()}");
        if (outcome.Tail.Count > 0)
        {
            text.AppendLine("  last output:");
            foreach (var line in outcome.Tail)
                text.AppendLine("    " + line);
        }
        if (command.LogFile is not null)
            text.AppendLine($"  full log: '{command.LogFile}'");
        if (nextStep is not null)
            text.AppendLine($"  next step: {nextStep}");
        return text.ToString().TrimEnd();
    }
}
