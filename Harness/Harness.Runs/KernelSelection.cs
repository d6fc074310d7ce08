namespace Harness.Runs;

/// <summary>Which base and how much of the series a command works on.</summary>
/// <param name="KernelTree">A local kernel git tree to use as the base; null for Debian's linux-source-7.3.</param>
/// <param name="Force">Discard uncommitted changes and unexported commits in the harness's work tree.</param>
/// <param name="UpTo">Apply only the first N patches; null applies them all.</param>
public sealed record KernelSelection(string? KernelTree = null, bool Force = false, int? UpTo = null);
