namespace Harness.Series;

/// <summary>
/// A patch of the series did not apply to the base. Names the patch file and,
/// where git reported them, the file and the hunk that failed.
/// </summary>
public sealed class PatchApplyException(
    string patchFile,
    string? failedFile,
    int? failedLine,
    string? hunkHeader,
    string gitOutput,
    string message) : SeriesException(message)
{
    public string PatchFile { get; } = patchFile;
    public string? FailedFile { get; } = failedFile;
    public int? FailedLine { get; } = failedLine;
    public string? HunkHeader { get; } = hunkHeader;
    public string GitOutput { get; } = gitOutput;
}
