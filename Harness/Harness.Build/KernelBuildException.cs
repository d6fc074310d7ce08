namespace Harness.Build;

/// <summary>The kernel did not configure or build; the message is meant to be shown as it is.</summary>
public sealed class KernelBuildException(string message, IReadOnlyList<CompilerDiagnostic>? diagnostics = null) : Exception(message)
{
    public IReadOnlyList<CompilerDiagnostic> Diagnostics { get; } = diagnostics ?? [];
}
