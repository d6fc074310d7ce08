using System.Runtime.InteropServices;

namespace LandlockSelftests.Native;

/// <summary>
/// System calls as the tests use them. Each returns a <see cref="SysResult"/>
/// that carries errno and the call's text, so that a failed check names the
/// call and its errno.
/// </summary>
internal static unsafe class Sys
{
    public static SysResult Open(string path, int flags, int mode = 0)
    {
        var fd = Libc.open(path, flags | Libc.O_CLOEXEC, mode);
        return SysResult.FromReturn(fd, Marshal.GetLastPInvokeError(), $"open(\"{path}\")");
    }

    public static SysResult Close(int fd)
    {
        var result = Libc.close(fd);
        return SysResult.FromReturn(result, Marshal.GetLastPInvokeError(), $"close({fd})");
    }

    /// <summary>Opens a file for reading and closes it again: the access check the tests probe.</summary>
    public static SysResult TryRead(string path)
    {
        var result = Open(path, Libc.O_RDONLY);
        if (!result.Failed)
        {
            Libc.close((int)result.Value);
        }

        return result;
    }

    public static SysResult GetNoNewPrivs()
    {
        var result = Libc.prctl(Libc.PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
        return SysResult.FromReturn(result, Marshal.GetLastPInvokeError(), "prctl(PR_GET_NO_NEW_PRIVS)");
    }

    public static SysResult SetNoNewPrivs()
    {
        var result = Libc.prctl(Libc.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        return SysResult.FromReturn(result, Marshal.GetLastPInvokeError(), "prctl(PR_SET_NO_NEW_PRIVS, 1)");
    }

    /// <summary>
    /// Replaces this process with <paramref name="path"/>. Returns only when
    /// execve(2) fails, which is what the tests that call it expect.
    /// </summary>
    public static SysResult Execve(string path, IReadOnlyList<string> argv)
    {
        using var arguments = new NativeStringArray(argv);
        using var environment = NativeStringArray.FromEnvironment();
        var pathBytes = NativeStringArray.AllocateUtf8(path);
        try
        {
            var result = Libc.execve(pathBytes, arguments.Pointer, environment.Pointer);
            return SysResult.FromReturn(result, Marshal.GetLastPInvokeError(), $"execve(\"{path}\")");
        }
        finally
        {
            NativeMemory.Free(pathBytes);
        }
    }

    /// <summary>
    /// Drops every group and then the user ID. glibc applies setuid(3) and
    /// setgid(3) to all threads of the process, runtime threads included, and
    /// leaving uid 0 for good clears the capability sets.
    /// </summary>
    public static SysResult DropToUser(uint uid, uint gid)
    {
        if (Libc.setgroups(0, null) == -1)
        {
            return SysResult.FromReturn(-1, Marshal.GetLastPInvokeError(), "setgroups(0, NULL)");
        }

        if (Libc.setgid(gid) == -1)
        {
            return SysResult.FromReturn(-1, Marshal.GetLastPInvokeError(), $"setgid({gid})");
        }

        var result = Libc.setuid(uid);
        return SysResult.FromReturn(result, Marshal.GetLastPInvokeError(), $"setuid({uid})");
    }

    public static SysResult Chown(string path, uint owner, uint group)
    {
        var result = Libc.chown(path, owner, group);
        return SysResult.FromReturn(result, Marshal.GetLastPInvokeError(), $"chown(\"{path}\", {owner}, {group})");
    }

    public static SysResult Chmod(string path, uint mode)
    {
        var result = Libc.chmod(path, mode);
        return SysResult.FromReturn(result, Marshal.GetLastPInvokeError(), $"chmod(\"{path}\", 0{Convert.ToString(mode, 8)})");
    }

    public static SysResult MountTmpfs(string target, string options)
    {
        var result = Libc.mount("tmpfs", target, "tmpfs", 0, options);
        return SysResult.FromReturn(result, Marshal.GetLastPInvokeError(), $"mount(\"tmpfs\", \"{target}\", \"tmpfs\", 0, \"{options}\")");
    }

    public static SysResult UnmountDetached(string target)
    {
        var result = Libc.umount2(target, Libc.MNT_DETACH);
        return SysResult.FromReturn(result, Marshal.GetLastPInvokeError(), $"umount2(\"{target}\", MNT_DETACH)");
    }

    /// <summary>Creates a directory with a unique name under the temporary directory, mode 0700.</summary>
    public static string MakeTemporaryDirectory(string prefix)
    {
        var template = Path.Combine(Path.GetTempPath(), prefix + "-XXXXXX");
        var buffer = NativeStringArray.AllocateUtf8(template);
        try
        {
            if (Libc.mkdtemp(buffer) == null)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new IOException($"mkdtemp(\"{template}\") failed with {Errno.Describe(errno)}");
            }

            return Marshal.PtrToStringUTF8((nint)buffer)!;
        }
        finally
        {
            NativeMemory.Free(buffer);
        }
    }

    public static bool HasEffectiveRoot => Libc.geteuid() == 0;
}
