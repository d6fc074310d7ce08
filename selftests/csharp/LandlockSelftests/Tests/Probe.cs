using System.Runtime.CompilerServices;
using LandlockSelftests.Framework;
using LandlockSelftests.Guest;
using LandlockSelftests.Native;

namespace LandlockSelftests.Tests;

/// <summary>
/// Rulesets for programs that must still start, and the exec'd probes that
/// report what such a program may open.
/// </summary>
/// <remarks>
/// An exec'd program under a domain that handles reading files must still
/// be able to read what the loader and the .NET runtime open at startup. The
/// ruleset therefore allows every file mapped in this process (the program
/// and its libraries, read from /proc/self/maps) and the directories the
/// runtime reads: /proc, /sys and /etc.
/// </remarks>
internal static class Probe
{
    public const ulong HandledAccess = Landlock.LANDLOCK_ACCESS_FS_READ_FILE;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static readonly string[] RuntimeDirectories = ["/proc", "/sys", "/etc"];

    private static readonly string[] RuntimeDevices = ["/dev/null", "/dev/zero", "/dev/random", "/dev/urandom"];

    public static string Self => Environment.ProcessPath ?? "/proc/self/exe";

    /// <summary>
    /// Creates a ruleset that handles reading files and allows it for the
    /// program's runtime needs and for <paramref name="allowedPaths"/>.
    /// </summary>
    public static int CreateRuleset(TempTree tree, params string[] allowedPaths)
    {
        var fd = (int)Assert.Succeeds(Landlock.CreateRuleset(HandledAccess));
        foreach (var path in RuntimeDirectories.Where(Directory.Exists))
        {
            Assert.True(!IsWithin(tree.Root, path),
                $"the test directory {tree.Root} lies under {path}, which the probe ruleset allows; set TMPDIR elsewhere");
            Assert.Succeeds(Landlock.AddPathBeneathRule(fd, HandledAccess, path));
        }

        foreach (var path in RuntimeDevices.Where(File.Exists).Concat(MappedFiles()))
        {
            Assert.Succeeds(Landlock.AddPathBeneathRule(fd, HandledAccess, path));
        }

        foreach (var path in allowedPaths)
        {
            Assert.Succeeds(Landlock.AddPathBeneathRule(fd, HandledAccess, path));
        }

        return fd;
    }

    /// <summary>Execs <c>--probe-access PATH</c> in a child and returns how it ended.</summary>
    public static ChildOutcome Access(string path) => Run("--probe-access", path);

    /// <summary>Execs this program with <paramref name="arguments"/> in a child and returns how it ended.</summary>
    public static ChildOutcome Run(params string[] arguments) =>
        ChildProcess.Spawn([Self, .. arguments], Timeout, new SpawnOptions(CaptureOutput: true));

    /// <summary>Checks that a child exec'd with <c>--probe-access PATH</c> could or could not open PATH.</summary>
    public static void ExpectAccess(bool allowed, string path, string? because = null,
        [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var outcome = Access(path);
        var expected = allowed ? GuestCommands.AccessAllowed : GuestCommands.AccessDenied;
        var condition = $"the exec'd probe to be {(allowed ? "allowed" : "denied")} to read {path}"
            + (because is null ? "" : $" ({because})")
            + $", but its {outcome.Describe()} and it printed: {outcome.Output.Trim()}";
        Expect.True(outcome.ExitCode == expected, null, condition, file, line);
    }

    /// <summary>Checks from this thread, without exec, whether <paramref name="path"/> can be read.</summary>
    public static void ExpectCallerAccess(bool allowed, string path, string? because = null,
        [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var result = Sys.TryRead(path);
        if (allowed)
        {
            Expect.Succeeds(result, because, file, line);
        }
        else
        {
            Expect.FailsWith(Errno.EACCES, result, because, file, line);
        }
    }

    private static IEnumerable<string> MappedFiles()
    {
        var files = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            // "address perms offset dev inode pathname"; the path may hold spaces.
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 6 && fields[5].StartsWith('/') && !fields[5].EndsWith(" (deleted)", StringComparison.Ordinal))
            {
                files.Add(fields[5]);
            }
        }

        return files;
    }

    private static bool IsWithin(string path, string directory) =>
        path.StartsWith(directory.TrimEnd('/') + "/", StringComparison.Ordinal);
}
