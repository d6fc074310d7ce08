using System.Security.Cryptography;
using Harness.Core;
using Microsoft.Extensions.Logging;

namespace Harness.Series;

/// <summary>
/// The default base: Debian's linux-source package, downloaded once with apt,
/// checked against the SHA-256 apt's index gives, unpacked into the cache and
/// committed to a git repository so the series can be applied with git am.
/// </summary>
public sealed class DebianSourcePackage(
    HarnessPaths paths,
    CommandRunner runner,
    ILogger logger,
    string packageName = DebianSourcePackage.DefaultPackage) : IKernelSource
{
    public const string DefaultPackage = "linux-source-7.3";

    /// <summary>The tag that marks the base commit in every base repository the harness makes.</summary>
    public const string BaseTag = "harness-base";

    private const string ReadyMarker = "harness-base-ready";

    public async Task<KernelBase> PrepareAsync(IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var package = await QueryAptAsync(cancellationToken);
        var id = "debian-" + SanitizeForPath(package.Version);
        var repository = Path.Combine(paths.Sources, id);
        var description = $"Debian {packageName} {package.Version}";

        var marker = Path.Combine(repository, ".git", ReadyMarker);
        if (!File.Exists(marker))
        {
            var deb = await DownloadAsync(package, progress, cancellationToken);
            await UnpackAsync(deb, repository, description, progress, cancellationToken);
            await File.WriteAllTextAsync(marker, package.Version + "\n", cancellationToken);
        }

        var revision = await runner.ReadAsync(
            ExternalCommand.Of("git", "-C", repository, "rev-parse", $"refs/tags/{BaseTag}^{{commit}}"), cancellationToken);
        return new KernelBase(id, description, repository, revision, KernelMakefile.ReadVersion(repository));
    }

    /// <summary>Replaces characters that are awkward in paths ('~', '+', ':') so versions can name folders.</summary>
    public static string SanitizeForPath(string version) =>
        new(version.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' ? c : '-').ToArray());

    private async Task<AptPackage> QueryAptAsync(CancellationToken cancellationToken)
    {
        var outcome = await runner.RunAsync(
            ExternalCommand.Of("apt-cache", "show", "--no-all-versions", packageName), cancellationToken: cancellationToken);
        var record = AptPackage.ParseFirst(outcome.StandardOutput);
        if (!outcome.Succeeded || record is null)
        {
            throw new KernelSourceException(
                $"apt does not know the package '{packageName}'. It comes from Debian's trixie-backports suite; " +
                "run './harness doctor --install' to add that suite (pinned at priority 100, so nothing else is upgraded) " +
                "and refresh apt's lists, or pass --kernel-tree PATH to use a local kernel git tree.");
        }
        return record;
    }

    private async Task<string> DownloadAsync(AptPackage package, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(paths.Downloads);
        var deb = Path.Combine(paths.Downloads, Path.GetFileName(package.Filename));
        if (File.Exists(deb) && await Sha256Async(deb, cancellationToken) == package.Sha256)
            return deb;

        progress?.Report($"downloading {packageName} {package.Version}");
        logger.LogInformation("Downloading {Package} {Version} with apt", packageName, package.Version);
        await runner.RunCheckedAsync(
            ExternalCommand.Of("apt-get", "download", $"{packageName}={package.Version}").In(paths.Downloads),
            nextStep: "check that apt can reach Debian's mirror ('apt-get update'), then run the command again",
            cancellationToken: cancellationToken);

        var actual = await Sha256Async(deb, cancellationToken);
        if (actual != package.Sha256)
        {
            File.Delete(deb);
            throw new KernelSourceException(
                $"The downloaded '{deb}' has SHA-256 {actual}, but apt's index gives {package.Sha256}. " +
                "The file was deleted; run 'apt-get update' and try again.");
        }
        return deb;
    }

    private async Task UnpackAsync(string deb, string repository, string description, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        progress?.Report($"unpacking {Path.GetFileName(deb)}");
        logger.LogInformation("Unpacking {Deb} into {Repository}", deb, repository);

        // Unpack next to the final place and rename at the end, so that an
        // interrupted unpack never leaves a half tree that looks complete.
        var staging = repository + ".partial";
        if (Directory.Exists(staging))
            Directory.Delete(staging, recursive: true);
        if (Directory.Exists(repository))
            Directory.Delete(repository, recursive: true);
        Directory.CreateDirectory(staging);

        var tarball = $"usr/src/{packageName}.tar.xz";
        await runner.RunCheckedAsync(
            ExternalCommand.Of("sh", "-c", $"dpkg-deb --fsys-tarfile {ShellQuoting.Quote(deb)} | tar -x ./{tarball}").In(staging),
            cancellationToken: cancellationToken);
        await runner.RunCheckedAsync(
            ExternalCommand.Of("tar", "-xJf", tarball, "--strip-components=1", "--one-top-level=tree").In(staging),
            cancellationToken: cancellationToken);

        var tree = Path.Combine(staging, "tree");
        progress?.Report("committing the base tree to git");
        var git = GitIdentity.Apply(ExternalCommand.Of("git", "init", "-q", "-b", "harness-base-tree").In(tree));
        await runner.RunCheckedAsync(git, cancellationToken: cancellationToken);
        // Debian's packaging appends an ignore-everything rule to the top-level
        // .gitignore, so the tree has to be added with -f.
        await runner.RunCheckedAsync(ExternalCommand.Of("git", "add", "-f", "-A").In(tree), cancellationToken: cancellationToken);
        await runner.RunCheckedAsync(
            GitIdentity.Apply(ExternalCommand.Of("git", "commit", "-q", "-m", $"Base: {description}").In(tree)),
            cancellationToken: cancellationToken);
        await runner.RunCheckedAsync(ExternalCommand.Of("git", "tag", BaseTag).In(tree), cancellationToken: cancellationToken);

        Directory.Move(tree, repository);
        Directory.Delete(staging, recursive: true);
    }

    private static async Task<string> Sha256Async(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }
}
