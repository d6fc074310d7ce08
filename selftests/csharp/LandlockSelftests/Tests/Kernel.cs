using System.Runtime.CompilerServices;
using LandlockSelftests.Framework;
using LandlockSelftests.Native;

namespace LandlockSelftests.Tests;

/// <summary>Checks of what the running kernel and user offer, which skip or fail the test.</summary>
internal static class Kernel
{
    /// <summary>Returns the Landlock ABI version, or skips the test when Landlock is unavailable.</summary>
    public static int RequireLandlock()
    {
        var abi = Landlock.AbiVersion();
        if (!abi.Failed)
        {
            return (int)abi.Value;
        }

        Test.Skip(abi.Errno switch
        {
            Errno.EOPNOTSUPP => "Landlock is built in but not enabled at boot (EOPNOTSUPP); add landlock to the lsm= kernel parameter",
            Errno.ENOSYS => "kernel built without CONFIG_SECURITY_LANDLOCK (ENOSYS)",
            _ => $"cannot read the Landlock ABI version: {abi}",
        });
        return 0;
    }

    /// <summary>Skips the test when the kernel's Landlock ABI is older than <paramref name="needed"/>.</summary>
    public static int RequireAbi(int needed, string feature)
    {
        var abi = RequireLandlock();
        if (abi < needed)
        {
            Test.Skip($"kernel Landlock ABI {abi} lacks {feature} (needs {needed})");
        }

        return abi;
    }

    /// <summary>
    /// Fails the test when the kernel lacks LANDLOCK_RESTRICT_SELF_ON_EXEC.
    /// Part 1 tests fail instead of skipping there, because the flags are
    /// what they test: a kernel without the series must not look green.
    /// </summary>
    public static void RequireOnExec([CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var abi = RequireLandlock();
        if (abi < Landlock.AbiWithOnExec)
        {
            Test.Fail($"kernel Landlock ABI {abi} lacks LANDLOCK_RESTRICT_SELF_ON_EXEC (needs {Landlock.AbiWithOnExec})", file, line);
        }
    }

    /// <summary>Skips the test unless it runs as root, which the guest does.</summary>
    public static void RequireRoot(string purpose)
    {
        if (!Sys.HasEffectiveRoot)
        {
            Test.Skip($"needs root {purpose}; running as euid {Libc.geteuid()}");
        }
    }
}
