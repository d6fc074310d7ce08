using LandlockSelftests.Framework;
using LandlockSelftests.Native;

namespace LandlockSelftests.Tests;

/// <summary>
/// A set-user-ID-root copy of this program on a tmpfs of its own, mounted
/// without nosuid whatever the guest's /tmp is, and an unprivileged user who
/// execs it with <c>--print-euid</c>. Unmounted on dispose.
/// </summary>
internal sealed class SetuidRootCopy : IDisposable
{
    public const uint UnprivilegedUid = 1000;

    private readonly string _mountPoint;

    public SetuidRootCopy()
    {
        Kernel.RequireRoot("to mount a tmpfs and make a set-user-ID-root program");
        _mountPoint = Sys.MakeTemporaryDirectory("landlock-cs-suid");
        // The unprivileged user must reach the mount point.
        Assert.Succeeds(Sys.Chmod(_mountPoint, 0x1ed /* 0755 */));
        Assert.Succeeds(Sys.MountTmpfs(_mountPoint, "mode=0755"));

        Path = System.IO.Path.Combine(_mountPoint, "setuid-helper");
        File.Copy(Probe.Self, Path);
        Assert.Succeeds(Sys.Chown(Path, 0, 0));
        Assert.Succeeds(Sys.Chmod(Path, 0x9ed /* 04755 */));
    }

    public string Path { get; }

    /// <summary>
    /// Runs <c>--exec-as UID [setupOption] COPY --print-euid</c> and returns
    /// the euid the copy printed, failing the test when no number came back.
    /// </summary>
    public uint ExecAsUnprivileged(string? setupOption)
    {
        string[] arguments = setupOption is null
            ? ["--exec-as", UnprivilegedUid.ToString(), Path, "--print-euid"]
            : ["--exec-as", UnprivilegedUid.ToString(), setupOption, Path, "--print-euid"];
        var outcome = Probe.Run(arguments);
        var output = outcome.Output.Trim();
        if (outcome.ExitCode != 0 || !output.StartsWith("euid=", StringComparison.Ordinal)
            || !uint.TryParse(output.AsSpan(5), out var euid))
        {
            Test.Fail($"uid {UnprivilegedUid} could not run {Path} {setupOption}: its {outcome.Describe()} and it printed: {output}");
            return 0;
        }

        return euid;
    }

    /// <summary>
    /// Fails the test unless the copy gives euid 0 to an unprivileged user
    /// who sets nothing up: without that, a test that expects another euid
    /// shows nothing.
    /// </summary>
    public void RequireSetuidWorks()
    {
        var euid = ExecAsUnprivileged(null);
        if (euid != 0)
        {
            Test.Fail($"the set-user-ID-root copy {Path} gave euid {euid}, not 0, to uid {UnprivilegedUid}; "
                + "set-user-ID does not work here, so the test cannot show anything");
        }
    }

    public void Dispose()
    {
        Expect.Succeeds(Sys.UnmountDetached(_mountPoint));
        Directory.Delete(_mountPoint);
    }
}
