using System.Text;

namespace Harness.Vm;

/// <summary>
/// A guest that failed to boot, to connect or to stop. The message names what was
/// being done to which guest, what was observed, the exact QEMU command line, the
/// tails of QEMU's messages and of the console, and one next step.
/// </summary>
public sealed class GuestVmException : Exception
{
    public GuestVmException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>Tail of the serial console at the time of the failure; empty when QEMU never started.</summary>
    public IReadOnlyList<string> ConsoleTail { get; init; } = [];

    /// <summary>Formats the parts of a failure into the message shape every VM error uses.</summary>
    public static string Describe(
        string summary,
        string? commandLine,
        IReadOnlyList<string> qemuMessages,
        IReadOnlyList<string> consoleTail,
        string? consoleLog,
        string nextStep)
    {
        var text = new StringBuilder();
        text.AppendLine(summary);
        if (commandLine is not null)
            text.AppendLine($"  command: {commandLine}");
        AppendBlock(text, "QEMU messages", qemuMessages);
        AppendBlock(text, $"console (last {consoleTail.Count} lines)", consoleTail);
        if (consoleLog is not null)
            text.AppendLine($"  console log: '{consoleLog}'");
        text.Append($"  next step: {nextStep}");
        return text.ToString();
    }

    private static void AppendBlock(StringBuilder text, string title, IReadOnlyList<string> lines)
    {
        if (lines.Count == 0)
            return;
        text.AppendLine($"  {title}:");
        foreach (var line in lines)
            text.AppendLine("    " + line);
    }
}
