namespace Harness.Core;

/// <summary>What a finished external command left behind.</summary>
public sealed record CommandOutcome(
    ExternalCommand Command,
    int ProcessId,
    int ExitCode,
    TimeSpan Duration,
    string StandardOutput,
    string StandardError,
    IReadOnlyList<string> Tail)
{
    public bool Succeeded => ExitCode == 0;
}
