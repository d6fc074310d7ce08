namespace Harness.Build;

/// <summary>An error pulled out of the build log, with the patch that last touched its file.</summary>
public sealed record CompilerDiagnostic(string File, int? Line, int? Column, string Message, string LogLine, string? PatchFile);
