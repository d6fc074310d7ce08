using Microsoft.Extensions.Logging;

namespace Harness.Core;

/// <summary>One thing the pipeline needs from the machine, and the Debian package that provides it.</summary>
/// <param name="Name">What a person calls it.</param>
/// <param name="Package">The Debian package that provides it.</param>
/// <param name="Probe">Paths of which at least one must exist, or a program name looked up on PATH.</param>
/// <param name="UsedFor">The stage that needs it, for the doctor's table.</param>
public sealed record Requirement(string Name, string Package, IReadOnlyList<string> Probe, string UsedFor)
{
    public bool IsPresent() => Probe.Any(p => p.Contains('/') ? File.Exists(p) : Prerequisites.FindOnPath(p) is not null);
}

/// <summary>What the doctor found about one requirement.</summary>
public sealed record RequirementStatus(Requirement Requirement, bool Present);

/// <summary>
/// Every tool the pipeline runs, checked before a stage starts and installed with
/// apt when asked. Also the apt source for Debian's trixie-backports suite, which
/// provides the kernel source package and is pinned low so that nothing else on
/// the machine is upgraded from it.
/// </summary>
public sealed class Prerequisites(CommandRunner runner, ILogger logger)
{
    public const string BackportsSourceFile = "/etc/apt/sources.list.d/harness-trixie-backports.sources";
    public const string BackportsPinFile = "/etc/apt/preferences.d/harness-trixie-backports";

    public static readonly IReadOnlyList<Requirement> All =
    [
        new("gcc", "gcc", ["gcc"], "kernel build"),
        new("make", "make", ["make"], "kernel build"),
        new("bc", "bc", ["bc"], "kernel build"),
        new("flex", "flex", ["flex"], "kernel build"),
        new("bison", "bison", ["bison"], "kernel build"),
        new("pahole", "dwarves", ["pahole"], "kernel build (BTF)"),
        new("libelf headers", "libelf-dev", ["/usr/include/libelf.h"], "kernel build (objtool, resolve_btfids)"),
        new("OpenSSL headers", "libssl-dev", ["/usr/include/openssl/ssl.h"], "kernel build (sign-file, certs)"),
        new("rsync", "rsync", ["rsync"], "kernel headers_install"),
        new("xz", "xz-utils", ["xz"], "kernel source unpack"),
        new("cpio", "cpio", ["cpio"], "guest image"),
        new("git", "git", ["git"], "series"),
        new("perl", "perl", ["perl"], "series check (checkpatch.pl)"),
        new("ccache", "ccache", ["ccache"], "kernel build cache"),
        new("qemu-system-x86", "qemu-system-x86", ["qemu-system-x86_64"], "boot"),
        new("busybox-static", "busybox-static", ["/bin/busybox"], "guest image"),
        new("dropbear-bin", "dropbear-bin", ["/usr/sbin/dropbear"], "guest image (SSH server)"),
        new("ssh-keygen", "openssh-client", ["ssh-keygen"], "guest image (run keys)"),
        new("clang-19", "clang-19", ["clang-19"], "BPF selftests"),
        new("static libcap", "libcap-dev", ["/usr/lib/x86_64-linux-gnu/libcap.a"], "in-tree Landlock selftests"),
    ];

    public IReadOnlyList<RequirementStatus> Check() =>
        All.Select(r => new RequirementStatus(r, r.IsPresent())).ToList();

    public static bool BackportsConfigured() => File.Exists(BackportsSourceFile) && File.Exists(BackportsPinFile);

    /// <summary>
    /// Installs what is missing (packages and the backports source). Needs root;
    /// without it, throws with the apt-get command a person can run.
    /// </summary>
    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        var missing = Check().Where(s => !s.Present).Select(s => s.Requirement.Package).Distinct().ToList();
        if (missing.Count == 0 && BackportsConfigured())
            return;

        if (Environment.UserName != "root" && !IsRoot())
        {
            throw new InvalidOperationException(
                "These packages are missing: " + string.Join(' ', missing) + ". Installing them needs root: run " +
                $"'sudo apt-get install {string.Join(' ', missing)}' and 'sudo ./harness doctor --install' for the trixie-backports source.");
        }

        var refreshed = false;
        if (!BackportsConfigured())
        {
            logger.LogInformation("Adding Debian's trixie-backports suite to apt, pinned at priority 100");
            await File.WriteAllTextAsync(BackportsSourceFile,
                "# Added by the kernel patch-series harness for linux-source-7.3.\n" +
                "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: trixie-backports\nComponents: main\n" +
                "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n", cancellationToken);
            await File.WriteAllTextAsync(BackportsPinFile,
                "# Nothing is installed from trixie-backports unless asked for by name.\n" +
                "Package: *\nPin: release n=trixie-backports\nPin-Priority: 100\n", cancellationToken);
            await AptUpdateAsync(cancellationToken);
            refreshed = true;
        }

        if (missing.Count == 0)
            return;
        if (!refreshed)
            await AptUpdateAsync(cancellationToken);

        logger.LogInformation("Installing {Packages} with apt-get", string.Join(' ', missing));
        var install = new List<string> { "install", "-y", "--no-install-recommends" };
        install.AddRange(missing);
        await runner.RunCheckedAsync(
            new ExternalCommand("apt-get", install).WithEnvironment("DEBIAN_FRONTEND", "noninteractive"),
            nextStep: "check that apt can reach Debian's mirror, then run './harness doctor --install' again",
            cancellationToken: cancellationToken);
    }

    private Task AptUpdateAsync(CancellationToken cancellationToken) =>
        runner.RunCheckedAsync(ExternalCommand.Of("apt-get", "update", "-q"), cancellationToken: cancellationToken);

    private static bool IsRoot() => File.Exists("/proc/self/status")
        && File.ReadLines("/proc/self/status").Any(l => l.StartsWith("Uid:", StringComparison.Ordinal) && l.Split('\t', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1) == "0");

    public static string? FindOnPath(string program)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':'))
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }
}
