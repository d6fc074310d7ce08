using System.Text;

namespace Harness.Image.Cpio;

/// <summary>
/// Writes the "newc" cpio format (magic 070701) that the kernel's initramfs
/// unpacker reads. Output is reproducible: entries are written in ordinal path
/// order (so a directory precedes what it contains), every mtime is 0, owners
/// are root and inode numbers count up from 1.
/// </summary>
public static class NewcArchiveWriter
{
    private const string Magic = "070701";
    private const string Trailer = "TRAILER!!!";
    private const int HeaderLength = 110;

    private const uint TypeDirectory = 0x4000;
    private const uint TypeFile = 0x8000;
    private const uint TypeSymbolicLink = 0xa000;
    private const uint TypeCharacterDevice = 0x2000;

    /// <summary>Writes <paramref name="entries"/> and the trailer to <paramref name="output"/>.</summary>
    /// <exception cref="ArgumentException">Two entries have the same path.</exception>
    public static async Task WriteAsync(Stream output, IEnumerable<CpioEntry> entries, CancellationToken cancellationToken = default)
    {
        var sorted = entries.OrderBy(e => e.Path, StringComparer.Ordinal).ToList();
        for (var i = 1; i < sorted.Count; i++)
        {
            if (sorted[i].Path == sorted[i - 1].Path)
                throw new ArgumentException($"Two archive entries have the path '{sorted[i].Path}'.", nameof(entries));
        }

        var position = 0L;
        uint inode = 1;
        foreach (var entry in sorted)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var length = entry.ContentLength;
            if (length > uint.MaxValue)
                throw new ArgumentException($"'{entry.Path}' is {length} bytes; newc cpio stores at most 4 GiB per file.", nameof(entries));

            position += await WriteHeaderAsync(output, entry.Path, inode++, ModeOf(entry), NlinkOf(entry), (uint)length,
                (uint)entry.DeviceMajor, (uint)entry.DeviceMinor, cancellationToken);

            position += await WriteContentAsync(output, entry, length, cancellationToken);
            position += await PadAsync(output, position, cancellationToken);
        }

        position += await WriteHeaderAsync(output, Trailer, 0, 0, 1, 0, 0, 0, cancellationToken);
        await PadAsync(output, position, cancellationToken);
    }

    /// <summary>Writes the archive to a byte array; convenient for small archives such as the per-run keys.</summary>
    public static async Task<byte[]> ToBytesAsync(IEnumerable<CpioEntry> entries, CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        await WriteAsync(buffer, entries, cancellationToken);
        return buffer.ToArray();
    }

    private static uint ModeOf(CpioEntry entry)
    {
        var type = entry.Type switch
        {
            CpioEntryType.Directory => TypeDirectory,
            CpioEntryType.File => TypeFile,
            CpioEntryType.SymbolicLink => TypeSymbolicLink,
            CpioEntryType.CharacterDevice => TypeCharacterDevice,
            _ => throw new ArgumentOutOfRangeException(nameof(entry), entry.Type, "Unknown cpio entry type."),
        };
        return type | ((uint)entry.Permissions & 0xfff);
    }

    private static uint NlinkOf(CpioEntry entry) => entry.Type == CpioEntryType.Directory ? 2u : 1u;

    private static async Task<long> WriteHeaderAsync(
        Stream output, string name, uint inode, uint mode, uint nlink, uint size, uint rdevMajor, uint rdevMinor,
        CancellationToken cancellationToken)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var header = new StringBuilder(HeaderLength);
        header.Append(Magic);
        foreach (var field in new[]
                 {
                     inode, mode, 0u /* uid */, 0u /* gid */, nlink, 0u /* mtime */, size,
                     0u /* devmajor */, 0u /* devminor */, rdevMajor, rdevMinor,
                     (uint)nameBytes.Length + 1, 0u /* check */,
                 })
        {
            header.Append(field.ToString("X8", System.Globalization.CultureInfo.InvariantCulture));
        }

        var headerBytes = Encoding.ASCII.GetBytes(header.ToString());
        await output.WriteAsync(headerBytes, cancellationToken);
        await output.WriteAsync(nameBytes, cancellationToken);
        output.WriteByte(0);
        long written = headerBytes.Length + nameBytes.Length + 1;
        return written + await PadAsync(output, written, cancellationToken);
    }

    private static async Task<long> WriteContentAsync(Stream output, CpioEntry entry, long length, CancellationToken cancellationToken)
    {
        switch (entry.Type)
        {
            case CpioEntryType.File:
                return await CopyFileAsync(output, entry, length, cancellationToken);
            case CpioEntryType.SymbolicLink:
                var target = Encoding.UTF8.GetBytes(entry.LinkTarget!);
                await output.WriteAsync(target, cancellationToken);
                return target.Length;
            default:
                return 0;
        }
    }

    private static async Task<long> CopyFileAsync(Stream output, CpioEntry entry, long expected, CancellationToken cancellationToken)
    {
        // The header already stated the size, so a file that grows or shrinks now would corrupt the archive.
        var buffer = new byte[81920];
        long copied = 0;
        await using var content = entry.OpenContent();
        int read;
        while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (copied + read > expected)
                break;
            await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            copied += read;
        }
        if (copied != expected || read > 0)
            throw new IOException($"'{entry.Origin}' changed size while it was archived as '{entry.Path}' (expected {expected} bytes).");
        return copied;
    }

    /// <summary>Pads with zero bytes to the next multiple of 4, which newc requires after names and data.</summary>
    private static async Task<long> PadAsync(Stream output, long position, CancellationToken cancellationToken)
    {
        var padding = (int)((4 - position % 4) % 4);
        if (padding > 0)
            await output.WriteAsync(new byte[padding], cancellationToken);
        return padding;
    }
}
