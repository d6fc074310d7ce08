using System.Runtime.CompilerServices;
using LandlockSelftests.Framework;
using LandlockSelftests.Guest;
using LandlockSelftests.Native;
using static LandlockSelftests.Native.Landlock;

namespace LandlockSelftests.Tests;

/// <summary>
/// Part 1 of the series: LANDLOCK_RESTRICT_SELF_ON_EXEC stages a domain for
/// the next execve(2), and LANDLOCK_RESTRICT_SELF_NNP_ON_EXEC sets
/// no_new_privs at that same exec.
/// </summary>
/// <remarks>
/// Except for on_exec_flags_follow_abi, every test fails on a kernel whose
/// Landlock ABI is older than 12, with a message that names the missing flag.
/// </remarks>
internal static class Part1Tests
{
    private const uint OnExec = LANDLOCK_RESTRICT_SELF_ON_EXEC;
    private const uint NnpOnExec = LANDLOCK_RESTRICT_SELF_NNP_ON_EXEC;
    private const uint UnprivilegedUid = SetuidRootCopy.UnprivilegedUid;

    // The kernel has the series: Landlock ABI 12 or later.
    [GuestTest("on_exec_abi_version", Part = Parts.Part1)]
    public static void OnExecAbiVersion()
    {
        Kernel.RequireOnExec();

        Test.Log($"Landlock ABI version: {AbiVersion().Value}");
    }

    // Before ABI 12 the kernel rejects both flags with EINVAL; from ABI 12 on it accepts them.
    [GuestTest("on_exec_flags_follow_abi", Part = Parts.Part1)]
    public static void OnExecFlagsFollowAbi()
    {
        var abi = Kernel.RequireLandlock();
        var ruleset = CreateHarmlessRuleset();
        // With no_new_privs set, only the flags decide the outcome.
        Assert.Succeeds(Sys.SetNoNewPrivs());

        if (abi < AbiWithOnExec)
        {
            Test.Log($"Landlock ABI {abi}: the kernel must reject ON_EXEC and NNP_ON_EXEC as unknown flags");
            Expect.FailsWith(Errno.EINVAL, RestrictSelf(ruleset, OnExec));
            Expect.FailsWith(Errno.EINVAL, RestrictSelf(ruleset, OnExec | NnpOnExec));
            Expect.FailsWith(Errno.EINVAL, RestrictSelf(ruleset, NnpOnExec));
        }
        else
        {
            Expect.Succeeds(RestrictSelf(ruleset, OnExec));
            Expect.Succeeds(RestrictSelf(ruleset, OnExec | NnpOnExec));
        }

        Libc.close(ruleset);
    }

    // NNP_ON_EXEC without ON_EXEC, ON_EXEC with TSYNC and unknown bits are EINVAL, and change nothing.
    [GuestTest("on_exec_invalid_flags", Part = Parts.Part1)]
    public static void OnExecInvalidFlags()
    {
        Kernel.RequireOnExec();
        Kernel.RequireRoot("to stage without no_new_privs (CAP_SYS_ADMIN)");
        var ruleset = CreateHarmlessRuleset();

        Expect.FailsWith(Errno.EINVAL, RestrictSelf(ruleset, NnpOnExec));
        Expect.FailsWith(Errno.EINVAL, RestrictSelf(ruleset, NnpOnExec | LANDLOCK_RESTRICT_SELF_NO_NEW_PRIVS));
        Expect.FailsWith(Errno.EINVAL, RestrictSelf(ruleset, OnExec | LANDLOCK_RESTRICT_SELF_TSYNC));
        Expect.FailsWith(Errno.EINVAL, RestrictSelf(ruleset, OnExec | NnpOnExec | LANDLOCK_RESTRICT_SELF_TSYNC));
        Expect.FailsWith(Errno.EINVAL, RestrictSelf(ruleset, OnExec | (1U << 7)));
        Expect.FailsWith(Errno.EINVAL, RestrictSelf(ruleset, OnExec | (1U << 31)));

        Expect.Equal(0L, Assert.Succeeds(Sys.GetNoNewPrivs()), "a rejected call must not set no_new_privs");
        ExpectExecdNoNewPrivs(0, "a rejected NNP_ON_EXEC must not stage no_new_privs");

        // The valid call comes last, so the EINVALs above are about the flags.
        Expect.Succeeds(RestrictSelf(ruleset, OnExec));
        Libc.close(ruleset);
    }

    // Staging needs a ruleset: ruleset_fd -1 is EINVAL, even with LOG_SUBDOMAINS_OFF, which allows -1 alone.
    [GuestTest("on_exec_needs_ruleset", Part = Parts.Part1)]
    public static void OnExecNeedsRuleset()
    {
        Kernel.RequireOnExec();
        Assert.Succeeds(Sys.SetNoNewPrivs());

        Expect.FailsWith(Errno.EINVAL, RestrictSelf(-1, OnExec));
        Expect.FailsWith(Errno.EINVAL, RestrictSelf(-1, OnExec | NnpOnExec));
        Expect.FailsWith(Errno.EINVAL, RestrictSelf(-1, OnExec | LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF));

        Expect.Succeeds(RestrictSelf(-1, LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF),
            "without ON_EXEC, ruleset_fd -1 with LOG_SUBDOMAINS_OFF stays valid");
    }

    // Without no_new_privs and CAP_SYS_ADMIN, ON_EXEC is EPERM unless NNP_ON_EXEC comes with it.
    [GuestTest("on_exec_needs_no_new_privs", Part = Parts.Part1)]
    public static void OnExecNeedsNoNewPrivs()
    {
        Kernel.RequireOnExec();
        Kernel.RequireRoot("to switch to an unprivileged user");
        var ruleset = CreateHarmlessRuleset();
        Assert.Succeeds(Sys.DropToUser(UnprivilegedUid, UnprivilegedUid));
        Assert.Equal(0L, Assert.Succeeds(Sys.GetNoNewPrivs()));

        Expect.FailsWith(Errno.EPERM, RestrictSelf(ruleset, OnExec));

        Expect.Succeeds(RestrictSelf(ruleset, OnExec | NnpOnExec));
        Expect.Equal(0L, Assert.Succeeds(Sys.GetNoNewPrivs()), "NNP_ON_EXEC must not set no_new_privs before the exec");

        Assert.Succeeds(Sys.SetNoNewPrivs());
        Expect.Succeeds(RestrictSelf(ruleset, OnExec));
        Libc.close(ruleset);
    }

    // With 16 layers already enforced, staging one more is E2BIG at call time.
    [GuestTest("on_exec_layer_limit", Part = Parts.Part1)]
    public static void OnExecLayerLimit()
    {
        Kernel.RequireOnExec();
        Assert.Succeeds(Sys.SetNoNewPrivs());
        var ruleset = CreateHarmlessRuleset();
        for (var layer = 1; layer <= MaxLayers; layer++)
        {
            Assert.Succeeds(RestrictSelf(ruleset, 0), $"enforcing layer {layer} of {MaxLayers}");
        }

        Expect.FailsWith(Errno.E2BIG, RestrictSelf(ruleset, OnExec));

        var outcome = Probe.Run("--print-euid");
        Expect.Equal(0, outcome.ExitCode, $"exec after the rejected staging; its {outcome.Describe()}: {outcome.Output.Trim()}");
        Libc.close(ruleset);
    }

    // With 15 layers enforced, a staged 16th fits: staging and exec both succeed.
    [GuestTest("on_exec_layer_limit_reached", Part = Parts.Part1)]
    public static void OnExecLayerLimitReached()
    {
        Kernel.RequireOnExec();
        Assert.Succeeds(Sys.SetNoNewPrivs());
        var ruleset = CreateHarmlessRuleset();
        for (var layer = 1; layer < MaxLayers; layer++)
        {
            Assert.Succeeds(RestrictSelf(ruleset, 0), $"enforcing layer {layer} of {MaxLayers - 1}");
        }

        Assert.Succeeds(RestrictSelf(ruleset, OnExec));

        var outcome = Probe.Run("--print-euid");
        Expect.Equal(0, outcome.ExitCode, $"exec into the 16th layer; its {outcome.Describe()}: {outcome.Output.Trim()}");
        Libc.close(ruleset);
    }

    // After staging the caller is unrestricted; the program it execs runs in the staged domain.
    [GuestTest("on_exec_restricts_only_new_program", Part = Parts.Part1)]
    public static void OnExecRestrictsOnlyNewProgram()
    {
        Kernel.RequireOnExec();
        AllowStagingWithoutRoot();
        using var tree = new TempTree();
        var ruleset = Probe.CreateRuleset(tree, tree.AllowedDir);

        Stage(ruleset);
        Libc.close(ruleset);

        Probe.ExpectCallerAccess(true, tree.DeniedFile, "a staged domain does not restrict the caller");
        Probe.ExpectAccess(false, tree.DeniedFile, "the exec'd program runs in the staged domain");
        Probe.ExpectAccess(true, tree.AllowedFile, "the staged rule allows it");
        Probe.ExpectCallerAccess(true, tree.DeniedFile, "a child's exec does not restrict the caller");
    }

    // Rules added to the ruleset after staging do not reach the staged domain.
    [GuestTest("on_exec_stages_snapshot", Part = Parts.Part1)]
    public static void OnExecStagesSnapshot()
    {
        Kernel.RequireOnExec();
        AllowStagingWithoutRoot();
        using var tree = new TempTree();
        var ruleset = Probe.CreateRuleset(tree, tree.AllowedDir);

        Stage(ruleset);
        Assert.Succeeds(AddPathBeneathRule(ruleset, Probe.HandledAccess, tree.DeniedDir));
        Libc.close(ruleset);

        Probe.ExpectAccess(false, tree.DeniedFile, "its rule was added after staging");
        Probe.ExpectAccess(true, tree.AllowedFile, "its rule was there when staging");
    }

    // A second staging replaces the first one instead of stacking on it.
    [GuestTest("on_exec_second_staging_replaces", Part = Parts.Part1)]
    public static void OnExecSecondStagingReplaces()
    {
        Kernel.RequireOnExec();
        AllowStagingWithoutRoot();
        using var tree = new TempTree();
        var first = Probe.CreateRuleset(tree, tree.AllowedDir);
        var second = Probe.CreateRuleset(tree, tree.DeniedDir);

        Stage(first);
        Stage(second);
        Libc.close(first);
        Libc.close(second);

        Probe.ExpectAccess(true, tree.DeniedFile, "the second staging allows it, and a stacked first one would not");
        Probe.ExpectAccess(false, tree.AllowedFile, "only the first staging allowed it");
    }

    // Execs that fail before the point of no return (ENOENT, EACCES, ENOEXEC) keep the staging.
    [GuestTest("on_exec_failed_exec_keeps_staging", Part = Parts.Part1)]
    public static void OnExecFailedExecKeepsStaging()
    {
        Kernel.RequireOnExec();
        AllowStagingWithoutRoot();
        using var tree = new TempTree();
        var missing = Path.Combine(tree.Root, "missing");
        var notExecutable = tree.AddFile("not-executable", "#!/bin/sh\n", 0x1a4 /* 0644 */);
        var unknownFormat = tree.AddFile("unknown-format", "neither ELF nor a script\n", 0x1ed /* 0755 */);
        var ruleset = Probe.CreateRuleset(tree, tree.AllowedDir);

        Stage(ruleset);
        Libc.close(ruleset);

        Expect.FailsWith(Errno.ENOENT, Sys.Execve(missing, [missing]));
        Expect.FailsWith(Errno.EACCES, Sys.Execve(notExecutable, [notExecutable]));
        // ENOEXEC comes after the LSM hooks of bprm_execve() have run.
        Expect.FailsWith(Errno.ENOEXEC, Sys.Execve(unknownFormat, [unknownFormat]));

        Probe.ExpectCallerAccess(true, tree.DeniedFile, "a failed exec does not enforce the staged domain");
        Probe.ExpectAccess(false, tree.DeniedFile, "the staging survived the failed execs");
        Probe.ExpectAccess(true, tree.AllowedFile, "the staged rule allows it");
    }

    // A forked child inherits the staging: unrestricted until its own exec, restricted after it.
    [GuestTest("on_exec_fork_inherits_staging", Part = Parts.Part1)]
    public static void OnExecForkInheritsStaging()
    {
        Kernel.RequireOnExec();
        AllowStagingWithoutRoot();
        using var tree = new TempTree();
        var ruleset = Probe.CreateRuleset(tree, tree.AllowedDir);

        Stage(ruleset);
        Libc.close(ruleset);

        var outcome = ForkedChild.OpenThenExec(tree.DeniedFile,
            [Probe.Self, "--probe-access", tree.DeniedFile], TimeSpan.FromSeconds(20));
        Expect.True(outcome.ExitCode != ForkedChild.OpenBeforeExecFailed,
            "the forked child, before its exec, could read the file: staging is not enforcement");
        Expect.Equal(GuestCommands.AccessDenied, outcome.ExitCode,
            $"the forked child's exec enforces the inherited staging; its {outcome.Describe()}: {outcome.Output.Trim()}");

        Probe.ExpectCallerAccess(true, tree.DeniedFile, "the child's exec does not restrict the parent");
        Probe.ExpectAccess(false, tree.DeniedFile, "the child's exec does not consume the parent's staging");
    }

    // NNP_ON_EXEC leaves no_new_privs clear in the caller, also after failed execs, and sets it in the new program.
    [GuestTest("nnp_on_exec_sets_no_new_privs_at_exec", Part = Parts.Part1)]
    public static void NnpOnExecSetsNoNewPrivsAtExec()
    {
        Kernel.RequireOnExec();
        Kernel.RequireRoot("to stage without no_new_privs (CAP_SYS_ADMIN)");
        using var tree = new TempTree();
        var missing = Path.Combine(tree.Root, "missing");
        var unknownFormat = tree.AddFile("unknown-format", "neither ELF nor a script\n", 0x1ed /* 0755 */);
        var ruleset = CreateHarmlessRuleset();
        Assert.Equal(0L, Assert.Succeeds(Sys.GetNoNewPrivs()), "no_new_privs must start cleared");

        Stage(ruleset, NnpOnExec);
        Libc.close(ruleset);
        Expect.Equal(0L, Assert.Succeeds(Sys.GetNoNewPrivs()), "staging must not set no_new_privs on the caller");

        Expect.FailsWith(Errno.ENOENT, Sys.Execve(missing, [missing]));
        Expect.Equal(0L, Assert.Succeeds(Sys.GetNoNewPrivs()), "an exec that failed with ENOENT must not set no_new_privs");
        Expect.FailsWith(Errno.ENOEXEC, Sys.Execve(unknownFormat, [unknownFormat]));
        Expect.Equal(0L, Assert.Succeeds(Sys.GetNoNewPrivs()), "an exec that failed with ENOEXEC must not set no_new_privs");

        ExpectExecdNoNewPrivs(1, "the exec'd program runs with no_new_privs");
        Expect.Equal(0L, Assert.Succeeds(Sys.GetNoNewPrivs()), "a child's exec must not set no_new_privs on the caller");
    }

    // ON_EXEC alone does not set no_new_privs in the new program.
    [GuestTest("on_exec_without_nnp_keeps_no_new_privs_clear", Part = Parts.Part1)]
    public static void OnExecWithoutNnpKeepsNoNewPrivsClear()
    {
        Kernel.RequireOnExec();
        Kernel.RequireRoot("to stage without no_new_privs (CAP_SYS_ADMIN)");
        var ruleset = CreateHarmlessRuleset();

        Stage(ruleset);
        Libc.close(ruleset);

        ExpectExecdNoNewPrivs(0, "only NNP_ON_EXEC sets no_new_privs at exec");
    }

    // An unprivileged caller that stages with NNP_ON_EXEC gets no root from a set-user-ID-root program.
    [GuestTest("nnp_on_exec_ignores_setuid", Part = Parts.Part1)]
    public static void NnpOnExecIgnoresSetuid()
    {
        Kernel.RequireOnExec();
        using var setuidRoot = new SetuidRootCopy();
        setuidRoot.RequireSetuidWorks();

        var euid = setuidRoot.ExecAsUnprivileged("--stage-nnp-on-exec");

        Expect.Equal(SetuidRootCopy.UnprivilegedUid, euid,
            "the exec that consumes an NNP_ON_EXEC staging must ignore the set-user-ID bit");
    }

    /// <summary>
    /// Creates a ruleset that handles only making FIFOs and has no rule: its
    /// domain denies nothing that a test or an exec'd program needs.
    /// </summary>
    private static int CreateHarmlessRuleset() =>
        (int)Assert.Succeeds(CreateRuleset(LANDLOCK_ACCESS_FS_MAKE_FIFO));

    /// <summary>
    /// Sets no_new_privs when not running as root, for tests about file
    /// access that need staging to work either way.
    /// </summary>
    private static void AllowStagingWithoutRoot()
    {
        if (!Sys.HasEffectiveRoot)
        {
            Assert.Succeeds(Sys.SetNoNewPrivs());
        }
    }

    private static void Stage(int ruleset, uint extraFlags = 0,
        [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        Assert.Succeeds(RestrictSelf(ruleset, OnExec | extraFlags), null, file, line);

    private static void ExpectExecdNoNewPrivs(int expected, string because,
        [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var outcome = Probe.Run("--print-no-new-privs");
        var output = outcome.Output.Trim();
        Expect.True(output == $"no_new_privs={expected}", null,
            $"the exec'd program to print no_new_privs={expected} ({because}), but its {outcome.Describe()} and it printed: {output}",
            file, line);
    }
}
