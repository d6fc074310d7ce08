namespace LandlockSelftests.Native;

/// <summary>
/// The outcome of one system call: its return value, the errno it set when it
/// failed, and the call as text for diagnostics ("landlock_restrict_self(5, 0x20)").
/// </summary>
internal readonly record struct SysResult(long Value, int Errno, string Call)
{
    public bool Failed => Value == -1;

    /// <summary>
    /// Builds a result from a libc return value. Read errno right after the
    /// call: any later P/Invoke may overwrite it.
    /// </summary>
    public static SysResult FromReturn(long value, int lastErrno, string call) =>
        new(value, value == -1 ? lastErrno : 0, call);

    public override string ToString() =>
        Failed ? $"{Call} failed with {Native.Errno.Describe(Errno)}" : $"{Call} returned {Value}";
}
