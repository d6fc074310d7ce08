using System.Collections.Concurrent;
using LandlockSelftests.Framework;
using LandlockSelftests.Guest;
using LandlockSelftests.Native;
using static LandlockSelftests.Native.Landlock;

namespace LandlockSelftests.Tests;

/// <summary>
/// What the base kernel (Landlock ABI 11) already offers, seen from a .NET
/// program, and the isolation that the framework gives each test.
/// </summary>
internal static class BaseTests
{
    // The kernel reports a Landlock ABI version of at least 1.
    [GuestTest("landlock_abi_version")]
    public static void LandlockAbiVersion()
    {
        var abi = Kernel.RequireLandlock();

        Test.Log($"Landlock ABI version: {abi}");
        Assert.True(abi >= 1);
    }

    // A ruleset is an anonymous-inode file descriptor; empty and unknown access masks are rejected.
    [GuestTest("ruleset_create")]
    public static void RulesetCreate()
    {
        Kernel.RequireLandlock();

        Expect.FailsWith(Errno.ENOMSG, CreateRuleset(0));
        Expect.FailsWith(Errno.EINVAL, CreateRuleset(1UL << 63));

        var fd = (int)Assert.Succeeds(CreateRuleset(LANDLOCK_ACCESS_FS_READ_FILE));
        Expect.Equal("anon_inode:[landlock-ruleset]", new FileInfo($"/proc/self/fd/{fd}").LinkTarget);
        Assert.Succeeds(Sys.Close(fd));
    }

    // A path-beneath rule needs a handled access, a file descriptor of a real file, and not a ruleset.
    [GuestTest("path_beneath_rule_add")]
    public static void PathBeneathRuleAdd()
    {
        Kernel.RequireLandlock();
        using var tree = new TempTree();
        var ruleset = (int)Assert.Succeeds(CreateRuleset(LANDLOCK_ACCESS_FS_READ_FILE));
        var dir = (int)Assert.Succeeds(Sys.Open(tree.AllowedDir, Libc.O_PATH));

        Expect.FailsWith(Errno.ENOMSG, AddPathBeneathRule(ruleset, 0, dir));
        Expect.FailsWith(Errno.EINVAL, AddPathBeneathRule(ruleset, LANDLOCK_ACCESS_FS_WRITE_FILE, dir));
        Expect.FailsWith(Errno.EBADF, AddPathBeneathRule(ruleset, LANDLOCK_ACCESS_FS_READ_FILE, -1));
        Expect.FailsWith(Errno.EBADFD, AddPathBeneathRule(ruleset, LANDLOCK_ACCESS_FS_READ_FILE, ruleset));
        Expect.Succeeds(AddPathBeneathRule(ruleset, LANDLOCK_ACCESS_FS_READ_FILE, dir));

        Libc.close(dir);
        Libc.close(ruleset);
    }

    // After landlock_restrict_self(), reading is allowed beneath a rule and denied with EACCES elsewhere.
    [GuestTest("restrict_self_denies_outside_rules")]
    public static void RestrictSelfDeniesOutsideRules()
    {
        Kernel.RequireLandlock();
        using var tree = new TempTree();
        var ruleset = (int)Assert.Succeeds(CreateRuleset(LANDLOCK_ACCESS_FS_READ_FILE));
        Assert.Succeeds(AddPathBeneathRule(ruleset, LANDLOCK_ACCESS_FS_READ_FILE, tree.AllowedDir));

        Probe.ExpectCallerAccess(true, tree.AllowedFile, "before restricting");
        Probe.ExpectCallerAccess(true, tree.DeniedFile, "before restricting");

        // no_new_privs makes the test independent of CAP_SYS_ADMIN.
        Assert.Succeeds(Sys.SetNoNewPrivs());
        Assert.Succeeds(RestrictSelf(ruleset, 0));
        Libc.close(ruleset);

        Probe.ExpectCallerAccess(true, tree.AllowedFile, "beneath the rule");
        Probe.ExpectCallerAccess(false, tree.DeniedFile, "outside every rule");
    }

    // Without CAP_SYS_ADMIN, restricting needs no_new_privs first: EPERM otherwise.
    [GuestTest("restrict_self_needs_no_new_privs")]
    public static void RestrictSelfNeedsNoNewPrivs()
    {
        Kernel.RequireLandlock();
        Kernel.RequireRoot("to switch to an unprivileged user");
        var ruleset = (int)Assert.Succeeds(CreateRuleset(LANDLOCK_ACCESS_FS_READ_FILE));
        Assert.Succeeds(Sys.DropToUser(1000, 1000));
        Assert.Equal(0L, Assert.Succeeds(Sys.GetNoNewPrivs()));

        Expect.FailsWith(Errno.EPERM, RestrictSelf(ruleset, 0));

        Assert.Succeeds(Sys.SetNoNewPrivs());
        Expect.Succeeds(RestrictSelf(ruleset, 0));
        Libc.close(ruleset);
    }

    // LANDLOCK_RESTRICT_SELF_NO_NEW_PRIVS sets no_new_privs if and only if the restriction succeeds.
    [GuestTest("restrict_self_no_new_privs_flag")]
    public static void RestrictSelfNoNewPrivsFlag()
    {
        Kernel.RequireAbi(AbiWithNoNewPrivsFlag, "LANDLOCK_RESTRICT_SELF_NO_NEW_PRIVS");
        var ruleset = (int)Assert.Succeeds(CreateRuleset(LANDLOCK_ACCESS_FS_READ_FILE));
        Assert.Equal(0L, Assert.Succeeds(Sys.GetNoNewPrivs()), "no_new_privs must start cleared");

        Expect.FailsWith(Errno.EBADF, RestrictSelf(-1, LANDLOCK_RESTRICT_SELF_NO_NEW_PRIVS));
        Expect.Equal(0L, Assert.Succeeds(Sys.GetNoNewPrivs()), "a failed restriction must not set no_new_privs");

        Assert.Succeeds(RestrictSelf(ruleset, LANDLOCK_RESTRICT_SELF_NO_NEW_PRIVS));
        Expect.Equal(1L, Assert.Succeeds(Sys.GetNoNewPrivs()), "a successful restriction sets no_new_privs");
        Libc.close(ruleset);
    }

    // Without TSYNC only the calling thread is restricted, and .NET runs other threads; TSYNC covers them.
    [GuestTest("restrict_self_tsync_covers_threads")]
    public static void RestrictSelfTsyncCoversThreads()
    {
        Kernel.RequireAbi(AbiWithTsync, "LANDLOCK_RESTRICT_SELF_TSYNC");
        using var tree = new TempTree();
        using var sibling = new SiblingThread();
        Assert.Succeeds(Sys.SetNoNewPrivs());
        var ruleset = (int)Assert.Succeeds(CreateRuleset(LANDLOCK_ACCESS_FS_READ_FILE));
        Assert.Succeeds(AddPathBeneathRule(ruleset, LANDLOCK_ACCESS_FS_READ_FILE, tree.AllowedDir));

        Assert.Succeeds(RestrictSelf(ruleset, 0));
        Expect.FailsWith(Errno.EACCES, Sys.TryRead(tree.DeniedFile), "the calling thread is restricted");
        Expect.Succeeds(sibling.TryRead(tree.DeniedFile), "a thread started before the restriction is not");

        Assert.Succeeds(RestrictSelf(ruleset, LANDLOCK_RESTRICT_SELF_TSYNC));
        Expect.FailsWith(Errno.EACCES, sibling.TryRead(tree.DeniedFile), "TSYNC restricts the sibling thread");
        Expect.Succeeds(sibling.TryRead(tree.AllowedFile), "the sibling keeps the allowed access");
        Libc.close(ruleset);
    }

    // A domain outlives fork() and execve(): the exec'd program runs in it (and the probes work).
    [GuestTest("restrict_self_inherited_across_exec")]
    public static void RestrictSelfInheritedAcrossExec()
    {
        Kernel.RequireLandlock();
        using var tree = new TempTree();
        var ruleset = Probe.CreateRuleset(tree, tree.AllowedDir);

        Assert.Succeeds(Sys.SetNoNewPrivs());
        Assert.Succeeds(RestrictSelf(ruleset, 0));
        Libc.close(ruleset);

        Probe.ExpectAccess(false, tree.DeniedFile, "the exec'd program inherits the domain");
        Probe.ExpectAccess(true, tree.AllowedFile, "the rule still applies after exec");

        var outcome = ForkedChild.OpenThenExec(tree.AllowedFile,
            [Probe.Self, "--probe-access", tree.DeniedFile], TimeSpan.FromSeconds(20));
        Expect.Equal(GuestCommands.AccessDenied, outcome.ExitCode,
            $"a forked child and its exec inherit the domain; its {outcome.Describe()}: {outcome.Output.Trim()}");
    }

    // With no_new_privs, a set-user-ID-root program exec'd by an unprivileged user does not get euid 0.
    [GuestTest("no_new_privs_ignores_setuid")]
    public static void NoNewPrivsIgnoresSetuid()
    {
        using var setuidRoot = new SetuidRootCopy();
        setuidRoot.RequireSetuidWorks();

        var euid = setuidRoot.ExecAsUnprivileged("--no-new-privs");

        Expect.Equal(SetuidRootCopy.UnprivilegedUid, euid, "no_new_privs makes execve() ignore the set-user-ID bit");
    }

    // Restricts this test's process; the next test checks that nothing of it is left.
    [GuestTest("isolation_restricted_test")]
    public static void IsolationRestrictedTest()
    {
        Kernel.RequireLandlock();
        var ruleset = (int)Assert.Succeeds(CreateRuleset(LANDLOCK_ACCESS_FS_READ_FILE));

        Assert.Succeeds(Sys.SetNoNewPrivs());
        Assert.Succeeds(RestrictSelf(ruleset, TsyncIfAvailable()));
        Libc.close(ruleset);

        Expect.FailsWith(Errno.EACCES, Sys.TryRead("/proc/self/status"), "no file may be read any more");
    }

    // Runs after isolation_restricted_test, in a new process: unrestricted and without no_new_privs.
    [GuestTest("isolation_next_test_unrestricted")]
    public static void IsolationNextTestUnrestricted()
    {
        Kernel.RequireLandlock();

        Expect.Equal(0L, Assert.Succeeds(Sys.GetNoNewPrivs()), "no_new_privs must not leak from an earlier test");
        Expect.Succeeds(Sys.TryRead("/proc/self/status"), "a Landlock domain must not leak from an earlier test");
    }

    // bpf(2) is reachable and creates an array map, which later parts of the series build on.
    [GuestTest("bpf_array_map_create")]
    public static void BpfArrayMapCreate()
    {
        Kernel.RequireRoot("to create BPF maps without unprivileged BPF");

        var map = Bpf.CreateArrayMap(valueSize: 8, maxEntries: 1);
        if (map.Failed && map.Errno == Errno.ENOSYS)
        {
            Test.Skip("kernel built without CONFIG_BPF_SYSCALL (bpf(2) returned ENOSYS)");
        }

        var fd = (int)Assert.Succeeds(map);
        Expect.Equal("anon_inode:bpf-map", new FileInfo($"/proc/self/fd/{fd}").LinkTarget);
        Libc.close(fd);
    }

    /// <summary>TSYNC when the kernel has it, so that the runtime's threads are restricted too.</summary>
    private static uint TsyncIfAvailable() =>
        Landlock.AbiVersion().Value >= AbiWithTsync ? LANDLOCK_RESTRICT_SELF_TSYNC : 0;

    /// <summary>
    /// A thread started now, before any restriction, that opens files on
    /// request: the runtime's own threads are in the same position.
    /// </summary>
    private sealed class SiblingThread : IDisposable
    {
        private readonly BlockingCollection<(string Path, TaskCompletionSource<SysResult> Result)> _requests = new();
        private readonly Thread _thread;

        public SiblingThread()
        {
            _thread = new Thread(() =>
            {
                foreach (var (path, result) in _requests.GetConsumingEnumerable())
                {
                    result.SetResult(Sys.TryRead(path));
                }
            });
            _thread.Start();
        }

        public SysResult TryRead(string path)
        {
            var result = new TaskCompletionSource<SysResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            _requests.Add((path, result));
            return result.Task.GetAwaiter().GetResult();
        }

        public void Dispose()
        {
            _requests.CompleteAdding();
            _thread.Join();
            _requests.Dispose();
        }
    }
}
