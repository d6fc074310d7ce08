using System.Buffers.Binary;
using System.Text;

namespace Harness.Image.Elf;

/// <summary>
/// The dynamic-linking facts of an ELF file: its program interpreter (PT_INTERP),
/// the libraries it needs (DT_NEEDED) and its library search paths (DT_RPATH,
/// DT_RUNPATH). Only 64-bit little-endian x86-64 files are read, because that is
/// the only guest the harness boots.
/// </summary>
public sealed record ElfFile(
    string Path,
    string? Interpreter,
    IReadOnlyList<string> Needed,
    IReadOnlyList<string> RunPath,
    IReadOnlyList<string> RPath)
{
    private const ushort MachineX86_64 = 62;
    private const ushort EtExec = 2;
    private const ushort EtDyn = 3;
    private const uint PtDynamic = 2;
    private const uint PtInterp = 3;
    private const uint PtLoad = 1;
    private const long DtNull = 0;
    private const long DtNeeded = 1;
    private const long DtStrtab = 5;
    private const long DtStrsz = 10;
    private const long DtRpath = 15;
    private const long DtRunpath = 29;

    /// <summary>True when the file needs no loader and no shared libraries.</summary>
    public bool IsStatic => Interpreter is null && Needed.Count == 0;

    /// <summary>
    /// Tells whether <paramref name="path"/> is an x86-64 executable or shared object,
    /// the kinds the loader starts. Relocatable objects (such as BPF programs in a
    /// selftest payload) and other machines return false.
    /// </summary>
    public static bool IsLoadableX86_64(string path)
    {
        Span<byte> header = stackalloc byte[20];
        using (var stream = File.OpenRead(path))
        {
            if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length)
                return false;
        }

        var type = BinaryPrimitives.ReadUInt16LittleEndian(header[16..]);
        var machine = BinaryPrimitives.ReadUInt16LittleEndian(header[18..]);
        return IsElfMagic(header) && header[4] == 2 && header[5] == 1
            && type is EtExec or EtDyn && machine == MachineX86_64;
    }

    /// <summary>
    /// Reads the dynamic-linking facts of the ELF file at <paramref name="path"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// The file is not ELF, is not a 64-bit little-endian x86-64 file, or its
    /// headers point outside the file.
    /// </exception>
    public static ElfFile Read(string path)
    {
        var data = File.ReadAllBytes(path);
        return Parse(path, data);
    }

    /// <summary>Parses ELF bytes already in memory; <paramref name="path"/> only names the file in errors.</summary>
    public static ElfFile Parse(string path, ReadOnlySpan<byte> data)
    {
        // ELF identification: magic, then class 2 (64-bit) and data 1 (little-endian).
        if (data.Length < 64 || !IsElfMagic(data))
            throw new InvalidDataException($"'{path}' is not an ELF file.");

        if (data[4] != 2 || data[5] != 1)
            throw new InvalidDataException(
                $"'{path}' is not a 64-bit little-endian ELF file (class {data[4]}, data {data[5]}); the guest runs x86-64 only.");

        var machine = BinaryPrimitives.ReadUInt16LittleEndian(data[18..]);
        if (machine != MachineX86_64)
            throw new InvalidDataException($"'{path}' is built for ELF machine {machine}, not x86-64 ({MachineX86_64}).");

        var programHeaders = ReadProgramHeaders(path, data);

        string? interpreter = null;
        var interp = programHeaders.FirstOrDefault(h => h.Type == PtInterp);
        if (interp.Type == PtInterp)
            interpreter = ReadCString(path, Slice(path, data, interp.Offset, interp.FileSize), 0);

        var dynamic = programHeaders.FirstOrDefault(h => h.Type == PtDynamic);
        if (dynamic.Type != PtDynamic)
            return new ElfFile(path, interpreter, [], [], []);

        return ReadDynamicSection(path, data, dynamic, programHeaders, interpreter);
    }

    private static ElfFile ReadDynamicSection(
        string path, ReadOnlySpan<byte> data, ProgramHeader dynamic, List<ProgramHeader> programHeaders, string? interpreter)
    {
        var section = Slice(path, data, dynamic.Offset, dynamic.FileSize);
        var neededOffsets = new List<ulong>();
        var runPathOffsets = new List<ulong>();
        var rPathOffsets = new List<ulong>();
        ulong stringTableAddress = 0;
        ulong stringTableSize = 0;

        for (var at = 0; at + 16 <= section.Length; at += 16)
        {
            var tag = BinaryPrimitives.ReadInt64LittleEndian(section[at..]);
            var value = BinaryPrimitives.ReadUInt64LittleEndian(section[(at + 8)..]);
            if (tag == DtNull)
                break;
            switch (tag)
            {
                case DtNeeded: neededOffsets.Add(value); break;
                case DtRunpath: runPathOffsets.Add(value); break;
                case DtRpath: rPathOffsets.Add(value); break;
                case DtStrtab: stringTableAddress = value; break;
                case DtStrsz: stringTableSize = value; break;
            }
        }

        if (neededOffsets.Count == 0 && runPathOffsets.Count == 0 && rPathOffsets.Count == 0)
            return new ElfFile(path, interpreter, [], [], []);

        // DT_STRTAB is a virtual address, so the PT_LOAD segment that maps it gives the file offset.
        var stringTableOffset = AddressToOffset(path, programHeaders, stringTableAddress);
        var strings = Slice(path, data, stringTableOffset, stringTableSize);

        var needed = new List<string>();
        foreach (var offset in neededOffsets)
            needed.Add(ReadCString(path, strings, offset));

        var runPath = new List<string>();
        foreach (var offset in runPathOffsets)
            runPath.AddRange(SplitSearchPath(ReadCString(path, strings, offset)));

        var rPath = new List<string>();
        foreach (var offset in rPathOffsets)
            rPath.AddRange(SplitSearchPath(ReadCString(path, strings, offset)));

        return new ElfFile(path, interpreter, needed, runPath, rPath);
    }

    private static bool IsElfMagic(ReadOnlySpan<byte> data) =>
        data[0] == 0x7f && data[1] == (byte)'E' && data[2] == (byte)'L' && data[3] == (byte)'F';

    private static List<ProgramHeader> ReadProgramHeaders(string path, ReadOnlySpan<byte> data)
    {
        var offset = BinaryPrimitives.ReadUInt64LittleEndian(data[32..]);
        var entrySize = BinaryPrimitives.ReadUInt16LittleEndian(data[54..]);
        var count = BinaryPrimitives.ReadUInt16LittleEndian(data[56..]);
        if (count > 0 && entrySize < 56)
            throw new InvalidDataException($"'{path}' has program headers of {entrySize} bytes; ELF64 needs 56.");

        var table = Slice(path, data, offset, (ulong)entrySize * count);
        var headers = new List<ProgramHeader>(count);
        for (var i = 0; i < count; i++)
        {
            var entry = table[(i * entrySize)..];
            headers.Add(new ProgramHeader(
                Type: BinaryPrimitives.ReadUInt32LittleEndian(entry),
                Offset: BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]),
                VirtualAddress: BinaryPrimitives.ReadUInt64LittleEndian(entry[16..]),
                FileSize: BinaryPrimitives.ReadUInt64LittleEndian(entry[32..])));
        }
        return headers;
    }

    private static ulong AddressToOffset(string path, List<ProgramHeader> headers, ulong address)
    {
        foreach (var header in headers)
        {
            if (header.Type == PtLoad && address >= header.VirtualAddress && address < header.VirtualAddress + header.FileSize)
                return address - header.VirtualAddress + header.Offset;
        }
        throw new InvalidDataException($"'{path}' has a dynamic string table at 0x{address:x} that no PT_LOAD segment maps.");
    }

    private static ReadOnlySpan<byte> Slice(string path, ReadOnlySpan<byte> data, ulong offset, ulong length)
    {
        if (offset > (ulong)data.Length || length > (ulong)data.Length - offset)
            throw new InvalidDataException(
                $"'{path}' is truncated or corrupt: a header points at bytes {offset}..{offset + length} of a {data.Length}-byte file.");
        return data.Slice((int)offset, (int)length);
    }

    private static string ReadCString(string path, ReadOnlySpan<byte> table, ulong offset)
    {
        if (offset >= (ulong)table.Length)
            throw new InvalidDataException($"'{path}' names a string at offset {offset} past its {table.Length}-byte string table.");
        var rest = table[(int)offset..];
        var end = rest.IndexOf((byte)0);
        if (end < 0)
            throw new InvalidDataException($"'{path}' has an unterminated string at offset {offset} of its string table.");
        return Encoding.UTF8.GetString(rest[..end]);
    }

    private static IEnumerable<string> SplitSearchPath(string value) =>
        value.Split(':', StringSplitOptions.RemoveEmptyEntries);

    private readonly record struct ProgramHeader(uint Type, ulong Offset, ulong VirtualAddress, ulong FileSize);
}
