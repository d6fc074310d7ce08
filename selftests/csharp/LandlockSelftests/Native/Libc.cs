using System.Runtime.InteropServices;

namespace LandlockSelftests.Native;

/// <summary>
/// glibc entry points, declared with the C names so that each call reads like
/// the C it replaces. Calls that set errno are wrapped by <see cref="Sys"/>,
/// which captures errno into a <see cref="SysResult"/>.
/// </summary>
/// <remarks>
/// <c>syscall</c>, <c>open</c> and <c>prctl</c> are variadic in C. They are
/// declared here with fixed integer parameters, which the x86-64 System V ABI
/// passes in the same registers as variadic ones.
/// </remarks>
internal static unsafe partial class Libc
{
    private const string Library = "libc";

    public const int O_RDONLY = 0x0;
    public const int O_CLOEXEC = 0x80000;
    public const int O_PATH = 0x200000;

    public const int F_SETFD = 2;
    public const int FD_CLOEXEC = 1;

    public const int PR_SET_NO_NEW_PRIVS = 38;
    public const int PR_GET_NO_NEW_PRIVS = 39;

    public const int SIGKILL = 9;

    public const short POLLIN = 0x1;

    public const int MNT_DETACH = 2;

    public const short POSIX_SPAWN_SETPGROUP = 0x02;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport(Library, SetLastError = true)]
    public static partial long syscall(long number, long arg1, long arg2, long arg3, long arg4, long arg5);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags, int mode);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint read(int fd, byte* buffer, nint count);

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint write(int fd, byte* buffer, nint count);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int pipe2(int* fds, int flags);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int fcntl(int fd, int command, int argument);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int execve(byte* path, byte** argv, byte** envp);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int waitpid(int pid, int* status, int options);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int kill(int pid, int signal);

    [LibraryImport(Library)]
    public static partial uint geteuid();

    [LibraryImport(Library, SetLastError = true)]
    public static partial int setuid(uint uid);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int setgid(uint gid);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int setgroups(nuint size, uint* list);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chown(string path, uint owner, uint group);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chmod(string path, uint mode);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mount(string source, string target, string fileSystemType, ulong flags, string? data);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int umount2(string target, int flags);

    [LibraryImport(Library, SetLastError = true)]
    public static partial byte* mkdtemp(byte* template);

    // posix_spawn returns the error number instead of setting errno.
    [LibraryImport(Library)]
    public static partial int posix_spawn(int* pid, byte* path, void* fileActions, void* attributes, byte** argv, byte** envp);

    [LibraryImport(Library)]
    public static partial int posix_spawn_file_actions_init(void* fileActions);

    [LibraryImport(Library)]
    public static partial int posix_spawn_file_actions_destroy(void* fileActions);

    [LibraryImport(Library)]
    public static partial int posix_spawn_file_actions_adddup2(void* fileActions, int fd, int newFd);

    [LibraryImport(Library)]
    public static partial int posix_spawnattr_init(void* attributes);

    [LibraryImport(Library)]
    public static partial int posix_spawnattr_destroy(void* attributes);

    [LibraryImport(Library)]
    public static partial int posix_spawnattr_setflags(void* attributes, short flags);

    [LibraryImport(Library)]
    public static partial int posix_spawnattr_setpgroup(void* attributes, int processGroup);

    /// <summary>
    /// Calls that a child made by <see cref="fork_unmanaged"/> may use before
    /// it execs. They skip the managed-to-native transition: after fork(2)
    /// the child has a single thread, and a transition back into managed code
    /// could wait forever for a garbage collection that a parent thread had
    /// started. None of them may block for long or allocate managed memory.
    /// </summary>
    [DllImport(Library, EntryPoint = "fork"), SuppressGCTransition]
    public static extern int fork_unmanaged();

    [DllImport(Library, EntryPoint = "open"), SuppressGCTransition]
    public static extern int open_unmanaged(byte* path, int flags, int mode);

    [DllImport(Library, EntryPoint = "close"), SuppressGCTransition]
    public static extern int close_unmanaged(int fd);

    [DllImport(Library, EntryPoint = "dup2"), SuppressGCTransition]
    public static extern int dup2_unmanaged(int fd, int newFd);

    [DllImport(Library, EntryPoint = "execve"), SuppressGCTransition]
    public static extern int execve_unmanaged(byte* path, byte** argv, byte** envp);

    [DllImport(Library, EntryPoint = "_exit"), SuppressGCTransition]
    public static extern void exit_unmanaged(int status);
}
