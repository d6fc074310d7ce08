using System.Collections;
using System.Runtime.InteropServices;
using System.Text;

namespace LandlockSelftests.Native;

/// <summary>
/// A NULL-terminated array of NUL-terminated UTF-8 strings in native memory,
/// the shape of execve(2)'s argv and envp. It is allocated up front so that a
/// forked child can pass it to execve without touching the managed heap.
/// </summary>
internal sealed unsafe class NativeStringArray : IDisposable
{
    private readonly byte*[] _strings;

    public NativeStringArray(IReadOnlyList<string> values)
    {
        _strings = new byte*[values.Count];
        Pointer = (byte**)NativeMemory.AllocZeroed((nuint)(values.Count + 1), (nuint)sizeof(byte*));
        for (var i = 0; i < values.Count; i++)
        {
            _strings[i] = AllocateUtf8(values[i]);
            Pointer[i] = _strings[i];
        }
    }

    public byte** Pointer { get; }

    /// <summary>The first string, which is the path for execve's argv[0] convention.</summary>
    public byte* First => _strings.Length > 0 ? _strings[0] : null;

    /// <summary>Builds "NAME=VALUE" entries from this process's environment.</summary>
    public static NativeStringArray FromEnvironment()
    {
        var entries = new List<string>();
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            entries.Add($"{entry.Key}={entry.Value}");
        }

        return new NativeStringArray(entries);
    }

    public static byte* AllocateUtf8(string value)
    {
        var byteCount = Encoding.UTF8.GetByteCount(value);
        var buffer = (byte*)NativeMemory.AllocZeroed((nuint)byteCount + 1);
        Encoding.UTF8.GetBytes(value, new Span<byte>(buffer, byteCount));
        return buffer;
    }

    public void Dispose()
    {
        foreach (var value in _strings)
        {
            NativeMemory.Free(value);
        }

        NativeMemory.Free(Pointer);
    }
}
