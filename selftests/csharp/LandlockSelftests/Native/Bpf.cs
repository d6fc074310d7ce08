using System.Runtime.InteropServices;

namespace LandlockSelftests.Native;

/// <summary>
/// The raw bpf(2) system call, for checks that need no BPF program.
/// </summary>
/// <remarks>
/// Loading BPF programs (part 3 of the series) goes through libbpf. Its
/// bindings belong in a LibBpf.cs beside this file, linked statically
/// (a NativeLibrary item for libbpf.a, libelf.a and libz.a plus a
/// DirectPInvoke for "libbpf") so that the guest still needs only glibc.
/// They are not written yet: no test uses them before part 3.
/// </remarks>
internal static unsafe class Bpf
{
    private const long SYS_bpf = 321;

    private const int BPF_MAP_CREATE = 0;
    private const uint BPF_MAP_TYPE_ARRAY = 2;

    /// <summary>The first fields of union bpf_attr for BPF_MAP_CREATE (include/uapi/linux/bpf.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct MapCreateAttr
    {
        public uint MapType;
        public uint KeySize;
        public uint ValueSize;
        public uint MaxEntries;
        public uint MapFlags;
    }

    /// <summary>Creates a BPF array map and returns its file descriptor.</summary>
    public static SysResult CreateArrayMap(uint valueSize, uint maxEntries)
    {
        var attr = new MapCreateAttr
        {
            MapType = BPF_MAP_TYPE_ARRAY,
            KeySize = sizeof(uint),
            ValueSize = valueSize,
            MaxEntries = maxEntries,
        };
        var result = Libc.syscall(SYS_bpf, BPF_MAP_CREATE, (long)&attr, sizeof(MapCreateAttr), 0, 0);
        return SysResult.FromReturn(result, Marshal.GetLastPInvokeError(),
            $"bpf(BPF_MAP_CREATE, {{ .map_type = BPF_MAP_TYPE_ARRAY, .value_size = {valueSize}, .max_entries = {maxEntries} }})");
    }
}
