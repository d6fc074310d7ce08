using System.Runtime.InteropServices;

namespace LandlockSelftests.Native;

/// <summary>
/// A real fork(2) child that checks one file access and then execs a
/// program, for tests of what a forked process inherits.
/// </summary>
/// <remarks>
/// Between fork and execve the child runs only the calls in
/// <see cref="Libc"/> marked SuppressGCTransition, on memory allocated before
/// the fork, so it never needs the runtime threads that fork left behind.
/// </remarks>
internal static unsafe class ForkedChild
{
    /// <summary>Exit code of the child when opening the file before exec failed.</summary>
    public const int OpenBeforeExecFailed = 70;

    /// <summary>Exit code of the child when execve failed.</summary>
    public const int ExecFailed = 71;

    /// <summary>
    /// Forks. The child opens <paramref name="pathToOpen"/> for reading,
    /// exits with <see cref="OpenBeforeExecFailed"/> if that fails, and
    /// otherwise execs <paramref name="argv"/> with its output captured.
    /// </summary>
    public static ChildOutcome OpenThenExec(string pathToOpen, IReadOnlyList<string> argv, TimeSpan timeout)
    {
        using var arguments = new NativeStringArray(argv);
        using var environment = NativeStringArray.FromEnvironment();
        var path = NativeStringArray.AllocateUtf8(pathToOpen);
        var (outputRead, outputWrite) = ChildProcess.CreatePipe();

        var program = arguments.First;
        var argumentPointer = arguments.Pointer;
        var environmentPointer = environment.Pointer;
        int pid;
        try
        {
            pid = Libc.fork_unmanaged();
            if (pid == 0)
            {
                RunChild(path, outputWrite, program, argumentPointer, environmentPointer);
            }

            if (pid == -1)
            {
                var errno = Marshal.GetLastSystemError();
                Libc.close(outputRead);
                throw new IOException($"fork() failed with {Errno.Describe(errno)}");
            }
        }
        finally
        {
            Libc.close(outputWrite);
            NativeMemory.Free(path);
        }

        return ChildProcess.Wait(pid, outputRead, -1, timeout, killProcessGroup: false);
    }

    private static void RunChild(byte* path, int outputFd, byte* program, byte** argv, byte** envp)
    {
        var fd = Libc.open_unmanaged(path, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            Libc.exit_unmanaged(OpenBeforeExecFailed);
        }

        Libc.close_unmanaged(fd);
        Libc.dup2_unmanaged(outputFd, 1);
        Libc.dup2_unmanaged(outputFd, 2);
        Libc.execve_unmanaged(program, argv, envp);
        Libc.exit_unmanaged(ExecFailed);
    }
}
