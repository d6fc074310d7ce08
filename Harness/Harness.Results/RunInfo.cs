namespace Harness.Results;

/// <summary>One patch of the series under test.</summary>
/// <param name="Subject">Subject line of the commit, e.g. "landlock: Add a ruleset flag".</param>
/// <param name="Sha">Commit id after <c>git am</c> onto the base.</param>
/// <param name="File">Patch file in kernel-patches/, when the series came from files.</param>
public sealed record PatchInfo(string Subject, string Sha, string? File = null);

/// <summary>What a run is about, written at the top of every results file. Immutable; change it with <c>with</c>.</summary>
public sealed record RunInfo
{
    /// <summary>Folder name under results/, e.g. <c>20261204-201500-abcdef</c>; see <see cref="RunIds"/>.</summary>
    public required string RunId { get; init; }

    /// <summary>When the run started; <see cref="RunRecorder.Create"/> uses its clock when left default.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>The harness command line as the user typed it (argv).</summary>
    public IReadOnlyList<string> CommandLine { get; init; } = [];

    /// <summary>Kernel base, e.g. "Debian linux-source-7.3 7.3.4-1~bpo13+1" or a local tree's <c>git describe</c>.</summary>
    public string? BaseVersion { get; init; }

    public IReadOnlyList<PatchInfo> Series { get; init; } = [];

    /// <summary>The project's git commit when the run started (the checkout holding kernel-patches/ and selftests/).</summary>
    public string? ProjectCommit { get; init; }

    /// <summary>Whether kernel-patches/, selftests/ or vm-images/ had changes not in <see cref="ProjectCommit"/>.</summary>
    public bool ProjectChanged { get; init; }

    /// <summary>Hash of the kernel configuration (base config plus fragments).</summary>
    public string? ConfigHash { get; init; }

    /// <summary>"kvm" or "tcg".</summary>
    public string? Accelerator { get; init; }

    /// <summary>First line of <c>qemu-system-x86_64 --version</c>.</summary>
    public string? QemuVersion { get; init; }

    /// <summary>Further facts worth keeping with the results (host, kernel release, image hash), shown as given.</summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();

    /// <summary>vmlinux of the kernel under test, named in the command that decodes a splat's call trace.</summary>
    public string? VmlinuxPath { get; init; }

    /// <summary>Harness command (argv) that repeats this run with the same series, config and suites; reproduce.sh runs it.</summary>
    public IReadOnlyList<string>? ReproduceCommand { get; init; }

    /// <summary>Directory reproduce.sh changes to before running <see cref="ReproduceCommand"/>, normally the checkout.</summary>
    public string? ReproduceDirectory { get; init; }
}
