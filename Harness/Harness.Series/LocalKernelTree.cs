using Harness.Core;

namespace Harness.Series;

/// <summary>
/// A kernel git tree the developer already has. The series is applied in a
/// separate work tree of it, so the developer's checkout is never touched.
/// </summary>
public sealed class LocalKernelTree(string path, CommandRunner runner, string revision = "HEAD") : IKernelSource
{
    public async Task<KernelBase> PrepareAsync(IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        if (!Directory.Exists(full))
            throw new KernelSourceException($"--kernel-tree '{full}' does not exist.");

        var version = KernelMakefile.ReadVersion(full);
        var outcome = await runner.RunAsync(
            ExternalCommand.Of("git", "-C", full, "rev-parse", "--verify", $"{revision}^{{commit}}"),
            cancellationToken: cancellationToken);
        if (!outcome.Succeeded)
        {
            throw new KernelSourceException(
                $"--kernel-tree '{full}' is not a git repository with a commit '{revision}': " +
                outcome.StandardError.Trim() + ". The series is applied with git am, so the base must be a git tree.");
        }

        var sha = outcome.StandardOutput.Trim();
        var describe = (await runner.RunAsync(
            ExternalCommand.Of("git", "-C", full, "describe", "--always", "--tags", sha),
            cancellationToken: cancellationToken)).StandardOutput.Trim();
        return new KernelBase($"local-{sha[..12]}", $"{full} at {describe} ({sha[..12]})", full, sha, version);
    }
}
