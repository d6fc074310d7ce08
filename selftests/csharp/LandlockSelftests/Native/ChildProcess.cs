using System.Runtime.InteropServices;
using System.Text;

namespace LandlockSelftests.Native;

/// <summary>How a child process ended, and what it wrote.</summary>
/// <param name="ExitCode">The exit status, or null when a signal killed the child.</param>
/// <param name="Signal">The signal that killed the child, or null when it exited.</param>
/// <param name="TimedOut">True when the deadline passed and the child was killed with SIGKILL.</param>
/// <param name="Output">Standard output and error, when captured.</param>
/// <param name="Report">What the child wrote to its report pipe (file descriptor 3), when one was given.</param>
internal sealed record ChildOutcome(int Pid, int? ExitCode, int? Signal, bool TimedOut, string Output, string Report)
{
    public string Describe() => TimedOut ? $"pid {Pid} timed out and was killed"
        : Signal is { } signal ? $"pid {Pid} was killed by signal {signal}"
        : $"pid {Pid} exited with code {ExitCode}";
}

/// <summary>Settings of <see cref="ChildProcess.Spawn"/>.</summary>
/// <param name="CaptureOutput">Send the child's standard output and error to <see cref="ChildOutcome.Output"/> instead of this process's.</param>
/// <param name="ReportPipe">Give the child a pipe on file descriptor 3 and collect what it writes there.</param>
/// <param name="NewProcessGroup">Start the child in a process group of its own, so that a timeout kills its descendants too.</param>
internal sealed record SpawnOptions(bool CaptureOutput = true, bool ReportPipe = false, bool NewProcessGroup = false);

/// <summary>
/// Starts programs with posix_spawn(3) and waits for them with a deadline.
/// </summary>
/// <remarks>
/// fork(2) is unsafe in a .NET process once the runtime has started threads,
/// and System.Diagnostics.Process installs a SIGCHLD handler that reaps
/// children behind the caller's back. posix_spawn runs the new program from
/// native code in a clone of the calling thread, so the child also inherits
/// that thread's credentials, including a Landlock domain or staging.
/// </remarks>
internal static unsafe class ChildProcess
{
    public const int ReportFd = 3;

    private const long SYS_pidfd_open = 434;
    private const int F_DUPFD_CLOEXEC = 1030;

    // Sizes of posix_spawn_file_actions_t (80 bytes) and posix_spawnattr_t
    // (336 bytes) in glibc on x86-64, rounded up.
    private const int FileActionsSize = 128;
    private const int AttributesSize = 512;

    public static ChildOutcome Spawn(IReadOnlyList<string> argv, TimeSpan timeout, SpawnOptions options)
    {
        var output = options.CaptureOutput ? CreatePipe() : (Read: -1, Write: -1);
        var report = options.ReportPipe ? CreatePipe() : (Read: -1, Write: -1);

        var fileActions = NativeMemory.AllocZeroed(FileActionsSize);
        var attributes = NativeMemory.AllocZeroed(AttributesSize);
        using var arguments = new NativeStringArray(argv);
        using var environment = NativeStringArray.FromEnvironment();
        int pid;
        int error;
        try
        {
            Libc.posix_spawn_file_actions_init(fileActions);
            Libc.posix_spawnattr_init(attributes);
            if (options.CaptureOutput)
            {
                Libc.posix_spawn_file_actions_adddup2(fileActions, output.Write, 1);
                Libc.posix_spawn_file_actions_adddup2(fileActions, output.Write, 2);
            }

            if (options.ReportPipe)
            {
                Libc.posix_spawn_file_actions_adddup2(fileActions, report.Write, ReportFd);
            }

            if (options.NewProcessGroup)
            {
                Libc.posix_spawnattr_setflags(attributes, Libc.POSIX_SPAWN_SETPGROUP);
                Libc.posix_spawnattr_setpgroup(attributes, 0);
            }

            error = Libc.posix_spawn(&pid, arguments.First, fileActions, attributes, arguments.Pointer, environment.Pointer);
        }
        finally
        {
            Libc.posix_spawn_file_actions_destroy(fileActions);
            Libc.posix_spawnattr_destroy(attributes);
            NativeMemory.Free(fileActions);
            NativeMemory.Free(attributes);
            CloseIfOpen(output.Write);
            CloseIfOpen(report.Write);
        }

        if (error != 0)
        {
            CloseIfOpen(output.Read);
            CloseIfOpen(report.Read);
            throw new IOException($"posix_spawn(\"{argv[0]}\") failed with {Errno.Describe(error)}");
        }

        return Wait(pid, output.Read, report.Read, timeout, options.NewProcessGroup);
    }

    /// <summary>
    /// Creates a pipe whose ends are close-on-exec and numbered above the
    /// standard descriptors and <see cref="ReportFd"/>, so that the child's
    /// dup2() onto those numbers always copies, which clears close-on-exec.
    /// </summary>
    public static (int Read, int Write) CreatePipe()
    {
        var fds = stackalloc int[2];
        if (Libc.pipe2(fds, Libc.O_CLOEXEC) == -1)
        {
            throw new IOException($"pipe2(O_CLOEXEC) failed with {Errno.Describe(Marshal.GetLastPInvokeError())}");
        }

        return (MoveAboveReportFd(fds[0]), MoveAboveReportFd(fds[1]));
    }

    private static int MoveAboveReportFd(int fd)
    {
        if (fd > ReportFd)
        {
            return fd;
        }

        var moved = Libc.fcntl(fd, F_DUPFD_CLOEXEC, ReportFd + 1);
        var errno = Marshal.GetLastPInvokeError();
        Libc.close(fd);
        if (moved == -1)
        {
            throw new IOException($"fcntl({fd}, F_DUPFD_CLOEXEC) failed with {Errno.Describe(errno)}");
        }

        return moved;
    }

    /// <summary>
    /// Waits until <paramref name="pid"/> exits, reading both pipes meanwhile
    /// so that a child that writes more than a pipe buffer does not stall. At
    /// the deadline, kills the child (or its process group) with SIGKILL.
    /// </summary>
    public static ChildOutcome Wait(int pid, int outputFd, int reportFd, TimeSpan timeout, bool killProcessGroup)
    {
        var pidFd = (int)Libc.syscall(SYS_pidfd_open, pid, 0, 0, 0, 0);
        if (pidFd == -1)
        {
            var errno = Marshal.GetLastPInvokeError();
            Libc.kill(pid, Libc.SIGKILL);
            throw new IOException($"pidfd_open({pid}) failed with {Errno.Describe(errno)}");
        }

        var output = new MemoryStream();
        var report = new MemoryStream();
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        var exited = false;
        var timedOut = false;
        var fds = stackalloc Libc.PollFd[3];
        try
        {
            while (!exited)
            {
                var remaining = deadline - Environment.TickCount64;
                if (remaining <= 0)
                {
                    timedOut = true;
                    Libc.kill(killProcessGroup ? -pid : pid, Libc.SIGKILL);
                    break;
                }

                fds[0] = new Libc.PollFd { Fd = pidFd, Events = Libc.POLLIN };
                fds[1] = new Libc.PollFd { Fd = outputFd, Events = Libc.POLLIN };
                fds[2] = new Libc.PollFd { Fd = reportFd, Events = Libc.POLLIN };
                if (Libc.poll(fds, 3, (int)Math.Min(remaining, int.MaxValue)) == -1)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Errno.EINTR)
                    {
                        continue;
                    }

                    throw new IOException($"poll() on pid {pid} failed with {Errno.Describe(errno)}");
                }

                exited = fds[0].Revents != 0;
                if (fds[1].Revents != 0)
                {
                    ReadSome(ref outputFd, output);
                }

                if (fds[2].Revents != 0)
                {
                    ReadSome(ref reportFd, report);
                }
            }

            // A descendant may still hold a pipe open, so after the child
            // exits only what is already buffered is read.
            Drain(ref outputFd, output);
            Drain(ref reportFd, report);

            int status;
            while (Libc.waitpid(pid, &status, 0) == -1)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR)
                {
                    throw new IOException($"waitpid({pid}) failed with {Errno.Describe(errno)}");
                }
            }

            var termSignal = status & 0x7f;
            int? exitCode = termSignal == 0 ? (status >> 8) & 0xff : null;
            int? signal = termSignal != 0 ? termSignal : null;
            return new ChildOutcome(pid, exitCode, signal, timedOut, Decode(output), Decode(report));
        }
        finally
        {
            Libc.close(pidFd);
            CloseIfOpen(outputFd);
            CloseIfOpen(reportFd);
        }
    }

    /// <summary>Reads once from <paramref name="fd"/>; at end of file closes it, sets it to -1 and returns false.</summary>
    private static bool ReadSome(ref int fd, MemoryStream sink)
    {
        if (fd == -1)
        {
            return false;
        }

        var buffer = stackalloc byte[4096];
        var count = Libc.read(fd, buffer, 4096);
        if (count > 0)
        {
            sink.Write(new ReadOnlySpan<byte>(buffer, (int)count));
            return true;
        }

        if (count == -1 && Marshal.GetLastPInvokeError() == Errno.EINTR)
        {
            return true;
        }

        Libc.close(fd);
        fd = -1;
        return false;
    }

    private static void Drain(ref int fd, MemoryStream sink)
    {
        while (fd != -1)
        {
            var pollFd = new Libc.PollFd { Fd = fd, Events = Libc.POLLIN };
            if (Libc.poll(&pollFd, 1, 0) <= 0 || !ReadSome(ref fd, sink))
            {
                return;
            }
        }
    }

    private static string Decode(MemoryStream stream) => Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);

    private static void CloseIfOpen(int fd)
    {
        if (fd != -1)
        {
            Libc.close(fd);
        }
    }
}
