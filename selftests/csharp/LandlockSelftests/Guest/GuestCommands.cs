using LandlockSelftests.Native;

namespace LandlockSelftests.Guest;

/// <summary>
/// Small programs that tests exec: this same binary started with a probe
/// option. Each prints one line and reports through its exit code.
/// </summary>
internal static class GuestCommands
{
    /// <summary>Exit codes of <c>--probe-access</c>.</summary>
    public const int AccessAllowed = 0;
    public const int AccessError = 2;
    public const int AccessDenied = 3;

    /// <summary>Exit codes of <c>--exec-as</c> when a step before the exec fails.</summary>
    public const int ExecAsDropFailed = 10;
    public const int ExecAsSetupFailed = 11;
    public const int ExecAsExecFailed = 12;

    /// <summary>
    /// Opens <paramref name="path"/> for reading. Prints "allowed PATH",
    /// "denied PATH: EACCES" or "error PATH: ERRNO" and exits with
    /// <see cref="AccessAllowed"/>, <see cref="AccessDenied"/> or <see cref="AccessError"/>.
    /// </summary>
    public static int ProbeAccess(string path)
    {
        var result = Sys.TryRead(path);
        if (!result.Failed)
        {
            Console.Out.WriteLine($"allowed {path}");
            return AccessAllowed;
        }

        if (result.Errno == Errno.EACCES)
        {
            Console.Out.WriteLine($"denied {path}: EACCES");
            return AccessDenied;
        }

        Console.Out.WriteLine($"error {path}: {Errno.Describe(result.Errno)}");
        return AccessError;
    }

    /// <summary>Prints "euid=N".</summary>
    public static int PrintEffectiveUid()
    {
        Console.Out.WriteLine($"euid={Libc.geteuid()}");
        return 0;
    }

    /// <summary>Prints "no_new_privs=N" as prctl(PR_GET_NO_NEW_PRIVS) returns it.</summary>
    public static int PrintNoNewPrivs()
    {
        var result = Sys.GetNoNewPrivs();
        if (result.Failed)
        {
            Console.Error.WriteLine(result.ToString());
            return 1;
        }

        Console.Out.WriteLine($"no_new_privs={result.Value}");
        return 0;
    }

    /// <summary>What <c>--exec-as</c> sets up after dropping to the user and before the exec.</summary>
    public enum ExecAsSetup
    {
        None,

        /// <summary>prctl(PR_SET_NO_NEW_PRIVS) right away.</summary>
        NoNewPrivs,

        /// <summary>A Landlock domain staged with ON_EXEC|NNP_ON_EXEC.</summary>
        StageNoNewPrivsOnExec,
    }

    /// <summary>
    /// Drops to <paramref name="uid"/> (and the same group ID), sets up
    /// <paramref name="setup"/>, then execs <paramref name="argv"/>. Returns
    /// only when a step fails.
    /// </summary>
    /// <remarks>
    /// The staged ruleset handles only LANDLOCK_ACCESS_FS_MAKE_FIFO: it must
    /// not deny anything the exec'd program needs to start, because the tests
    /// that use it look at privileges, not at file access.
    /// </remarks>
    public static int ExecAs(uint uid, ExecAsSetup setup, IReadOnlyList<string> argv)
    {
        var drop = Sys.DropToUser(uid, uid);
        if (drop.Failed)
        {
            Console.Error.WriteLine(drop.ToString());
            return ExecAsDropFailed;
        }

        var prepared = setup switch
        {
            ExecAsSetup.NoNewPrivs => Sys.SetNoNewPrivs(),
            ExecAsSetup.StageNoNewPrivsOnExec => StageNoNewPrivsOnExec(),
            _ => new SysResult(0, 0, "nothing"),
        };
        if (prepared.Failed)
        {
            Console.Error.WriteLine(prepared.ToString());
            return ExecAsSetupFailed;
        }

        var exec = Sys.Execve(argv[0], argv);
        Console.Error.WriteLine(exec.ToString());
        return ExecAsExecFailed;
    }

    private static SysResult StageNoNewPrivsOnExec()
    {
        var ruleset = Landlock.CreateRuleset(Landlock.LANDLOCK_ACCESS_FS_MAKE_FIFO);
        if (ruleset.Failed)
        {
            return ruleset;
        }

        var restrict = Landlock.RestrictSelf((int)ruleset.Value,
            Landlock.LANDLOCK_RESTRICT_SELF_ON_EXEC | Landlock.LANDLOCK_RESTRICT_SELF_NNP_ON_EXEC);
        Libc.close((int)ruleset.Value);
        return restrict;
    }
}
