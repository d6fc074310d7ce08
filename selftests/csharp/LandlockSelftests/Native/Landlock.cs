using System.Runtime.InteropServices;

namespace LandlockSelftests.Native;

/// <summary>
/// Landlock's three system calls and the uapi constants from
/// include/uapi/linux/landlock.h, plus the two flags that the series under
/// test adds (ABI 12).
/// </summary>
internal static unsafe class Landlock
{
    // x86-64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl).
    private const long SYS_landlock_create_ruleset = 444;
    private const long SYS_landlock_add_rule = 445;
    private const long SYS_landlock_restrict_self = 446;

    public const uint LANDLOCK_CREATE_RULESET_VERSION = 1U << 0;

    public const int LANDLOCK_RULE_PATH_BENEATH = 1;

    public const ulong LANDLOCK_ACCESS_FS_WRITE_FILE = 1UL << 1;
    public const ulong LANDLOCK_ACCESS_FS_READ_FILE = 1UL << 2;
    public const ulong LANDLOCK_ACCESS_FS_MAKE_FIFO = 1UL << 10;

    // ABI 7.
    public const uint LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF = 1U << 0;
    public const uint LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON = 1U << 1;
    public const uint LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF = 1U << 2;

    // ABI 8.
    public const uint LANDLOCK_RESTRICT_SELF_TSYNC = 1U << 3;

    // ABI 11.
    public const uint LANDLOCK_RESTRICT_SELF_NO_NEW_PRIVS = 1U << 4;

    // ABI 12, added by the series under test: stage the domain (and
    // no_new_privs) for the next execve(2) instead of enforcing it now.
    public const uint LANDLOCK_RESTRICT_SELF_ON_EXEC = 1U << 5;
    public const uint LANDLOCK_RESTRICT_SELF_NNP_ON_EXEC = 1U << 6;

    public const int AbiWithTsync = 8;
    public const int AbiWithNoNewPrivsFlag = 11;
    public const int AbiWithOnExec = 12;

    /// <summary>Maximum number of stacked domains (security/landlock/limits.h).</summary>
    public const int MaxLayers = 16;

    [StructLayout(LayoutKind.Sequential)]
    private struct RulesetAttrFs
    {
        public ulong HandledAccessFs;
    }

    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    private struct PathBeneathAttr
    {
        public ulong AllowedAccess;
        public int ParentFd;
    }

    /// <summary>
    /// Returns the highest ABI version the kernel supports, or a failure:
    /// EOPNOTSUPP when Landlock is built in but not enabled at boot, ENOSYS
    /// when it is not built in.
    /// </summary>
    public static SysResult AbiVersion()
    {
        var result = Libc.syscall(SYS_landlock_create_ruleset, 0, 0, LANDLOCK_CREATE_RULESET_VERSION, 0, 0);
        return SysResult.FromReturn(result, Marshal.GetLastPInvokeError(),
            "landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)");
    }

    /// <summary>
    /// Creates a ruleset that handles only file system access. Only the first
    /// field of struct landlock_ruleset_attr is passed, so that the call works
    /// on every ABI version.
    /// </summary>
    public static SysResult CreateRuleset(ulong handledAccessFs)
    {
        var attr = new RulesetAttrFs { HandledAccessFs = handledAccessFs };
        var result = Libc.syscall(SYS_landlock_create_ruleset, (long)&attr, sizeof(RulesetAttrFs), 0, 0, 0);
        return SysResult.FromReturn(result, Marshal.GetLastPInvokeError(),
            $"landlock_create_ruleset({{ .handled_access_fs = 0x{handledAccessFs:x} }})");
    }

    public static SysResult AddPathBeneathRule(int rulesetFd, ulong allowedAccess, int parentFd)
    {
        var attr = new PathBeneathAttr { AllowedAccess = allowedAccess, ParentFd = parentFd };
        var result = Libc.syscall(SYS_landlock_add_rule, rulesetFd, LANDLOCK_RULE_PATH_BENEATH, (long)&attr, 0, 0);
        return SysResult.FromReturn(result, Marshal.GetLastPInvokeError(),
            $"landlock_add_rule({rulesetFd}, LANDLOCK_RULE_PATH_BENEATH, {{ .allowed_access = 0x{allowedAccess:x}, .parent_fd = {parentFd} }})");
    }

    /// <summary>Opens <paramref name="path"/> with O_PATH and adds a rule for it.</summary>
    public static SysResult AddPathBeneathRule(int rulesetFd, ulong allowedAccess, string path)
    {
        var parent = Sys.Open(path, Libc.O_PATH);
        if (parent.Failed)
        {
            return parent;
        }

        try
        {
            return AddPathBeneathRule(rulesetFd, allowedAccess, (int)parent.Value);
        }
        finally
        {
            Libc.close((int)parent.Value);
        }
    }

    /// <summary>
    /// Restricts the calling thread only, unless <paramref name="flags"/> has
    /// TSYNC: .NET runs helper threads, and they stay unrestricted. The tests
    /// therefore open files from the thread that called this.
    /// </summary>
    public static SysResult RestrictSelf(int rulesetFd, uint flags)
    {
        var result = Libc.syscall(SYS_landlock_restrict_self, rulesetFd, flags, 0, 0, 0);
        return SysResult.FromReturn(result, Marshal.GetLastPInvokeError(),
            $"landlock_restrict_self({rulesetFd}, {DescribeRestrictFlags(flags)})");
    }

    public static string DescribeRestrictFlags(uint flags)
    {
        if (flags == 0)
        {
            return "0";
        }

        var names = new List<string>();
        var known = new (uint Bit, string Name)[]
        {
            (LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF, "LOG_SAME_EXEC_OFF"),
            (LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON, "LOG_NEW_EXEC_ON"),
            (LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF, "LOG_SUBDOMAINS_OFF"),
            (LANDLOCK_RESTRICT_SELF_TSYNC, "TSYNC"),
            (LANDLOCK_RESTRICT_SELF_NO_NEW_PRIVS, "NO_NEW_PRIVS"),
            (LANDLOCK_RESTRICT_SELF_ON_EXEC, "ON_EXEC"),
            (LANDLOCK_RESTRICT_SELF_NNP_ON_EXEC, "NNP_ON_EXEC"),
        };
        var rest = flags;
        foreach (var (bit, name) in known)
        {
            if ((flags & bit) != 0)
            {
                names.Add(name);
                rest &= ~bit;
            }
        }

        if (rest != 0)
        {
            names.Add($"0x{rest:x}");
        }

        return string.Join('|', names);
    }
}
