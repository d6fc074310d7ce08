namespace Harness.Series;

/// <summary>One finding about a patch: from checkpatch or from the harness's own rules.</summary>
public sealed record PatchFinding(string Severity, string Message, string? Location);

/// <summary>What checking one patch found.</summary>
public sealed record PatchCheck(string PatchFile, int Errors, int Warnings, int Checks, IReadOnlyList<PatchFinding> Findings)
{
    public bool Passed => Errors == 0;
}
