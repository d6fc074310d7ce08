using System.Security.Cryptography;

namespace Harness.Image.Cpio;

public enum CpioEntryType
{
    Directory,
    File,
    SymbolicLink,
    CharacterDevice,
}

/// <summary>
/// One member of an initramfs: a path relative to the guest's root (no leading
/// slash, as the kernel's unpacker expects), its type and permission bits, and
/// where its bytes come from. Owner and group are always root, because nothing in
/// the guest runs as another user.
/// </summary>
public sealed record CpioEntry
{
    private CpioEntry(string path, CpioEntryType type, UnixFileMode permissions)
    {
        Path = NormalizePath(path);
        Type = type;
        Permissions = permissions;
    }

    public string Path { get; }

    public CpioEntryType Type { get; }

    public UnixFileMode Permissions { get; }

    /// <summary>Bytes of a file made in memory, such as a generated configuration file.</summary>
    public byte[]? Data { get; private init; }

    /// <summary>Host file whose bytes a file entry carries; read when the archive is written.</summary>
    public string? SourcePath { get; private init; }

    public string? LinkTarget { get; private init; }

    public int DeviceMajor { get; private init; }

    public int DeviceMinor { get; private init; }

    /// <summary>Where the entry came from, for error messages about clashing entries.</summary>
    public string Origin { get; init; } = "generated";

    public static CpioEntry Directory(string path, UnixFileMode permissions = Mode755) =>
        new(path, CpioEntryType.Directory, permissions);

    public static CpioEntry FromBytes(string path, byte[] data, UnixFileMode permissions = Mode644) =>
        new(path, CpioEntryType.File, permissions) { Data = data };

    public static CpioEntry FromText(string path, string text, UnixFileMode permissions = Mode644) =>
        FromBytes(path, System.Text.Encoding.UTF8.GetBytes(text), permissions);

    public static CpioEntry FromHostFile(string path, string sourcePath, UnixFileMode permissions) =>
        new(path, CpioEntryType.File, permissions) { SourcePath = sourcePath, Origin = sourcePath };

    public static CpioEntry SymbolicLink(string path, string target) =>
        new(path, CpioEntryType.SymbolicLink, Mode777) { LinkTarget = target };

    public static CpioEntry CharacterDevice(string path, int major, int minor, UnixFileMode permissions) =>
        new(path, CpioEntryType.CharacterDevice, permissions) { DeviceMajor = major, DeviceMinor = minor };

    public const UnixFileMode Mode644 =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public const UnixFileMode Mode755 =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    public const UnixFileMode Mode600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public const UnixFileMode Mode700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public const UnixFileMode Mode777 = (UnixFileMode)0x1ff;

    /// <summary>Opens the entry's bytes; empty for entries that are not files.</summary>
    public Stream OpenContent()
    {
        if (SourcePath is not null)
            return File.OpenRead(SourcePath);
        return new MemoryStream(Data ?? [], writable: false);
    }

    /// <summary>Size in bytes of what the archive stores for this entry.</summary>
    public long ContentLength => Type switch
    {
        CpioEntryType.File when SourcePath is not null => new FileInfo(SourcePath).Length,
        CpioEntryType.File => Data!.Length,
        CpioEntryType.SymbolicLink => System.Text.Encoding.UTF8.GetByteCount(LinkTarget!),
        _ => 0,
    };

    /// <summary>SHA-256 of the file's bytes, or of the link target; empty for other entries.</summary>
    public byte[] ContentSha256()
    {
        switch (Type)
        {
            case CpioEntryType.File:
                using (var stream = OpenContent())
                    return SHA256.HashData(stream);
            case CpioEntryType.SymbolicLink:
                return SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(LinkTarget!));
            default:
                return [];
        }
    }

    /// <summary>Turns "/usr/bin/x" or "usr//bin/x/" into "usr/bin/x" and rejects ".." and empty paths.</summary>
    public static string NormalizePath(string path)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
            throw new ArgumentException($"Invalid guest path '{path}': it names the root directory or nothing.", nameof(path));
        if (parts.Any(p => p is "." or ".."))
            throw new ArgumentException($"Invalid guest path '{path}': '.' and '..' components are not allowed.", nameof(path));
        return string.Join('/', parts);
    }
}
