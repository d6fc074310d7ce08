using Harness.Core;

namespace Harness.Image.Cpio;

/// <summary>
/// The files of a guest image before they are archived: entries keyed by path,
/// with missing parent directories added as 0755, and clashes (two different
/// contents for one path, or a file where a directory is needed) rejected.
/// </summary>
public sealed class GuestFileTree
{
    private readonly SortedDictionary<string, CpioEntry> _entries = new(StringComparer.Ordinal);
    private readonly HashSet<string> _implicitDirectories = new(StringComparer.Ordinal);

    public IReadOnlyCollection<CpioEntry> Entries => _entries.Values;

    public int Count => _entries.Count;

    public bool Contains(string path) => _entries.ContainsKey(CpioEntry.NormalizePath(path));

    public CpioEntry? Find(string path) => _entries.GetValueOrDefault(CpioEntry.NormalizePath(path));

    /// <summary>
    /// Adds <paramref name="entry"/>. Adding the same file twice (same source or same
    /// bytes) is allowed, so that two programs may need one library. An explicit
    /// directory replaces one that was only created as a parent.
    /// </summary>
    /// <exception cref="InvalidOperationException">The path is already taken by something else.</exception>
    public GuestFileTree Add(CpioEntry entry)
    {
        AddParents(entry.Path, entry.Origin);

        if (!_entries.TryGetValue(entry.Path, out var existing))
        {
            _entries.Add(entry.Path, entry);
            return this;
        }

        if (existing.Type == CpioEntryType.Directory && entry.Type == CpioEntryType.Directory)
        {
            if (_implicitDirectories.Remove(entry.Path))
                _entries[entry.Path] = entry;
            return this;
        }

        if (IsSameContent(existing, entry))
            return this;

        throw new InvalidOperationException(
            $"Two inputs of the guest image need '/{entry.Path}': {Describe(existing)} and {Describe(entry)}. " +
            "Move one payload to another guest path.");
    }

    public GuestFileTree AddRange(IEnumerable<CpioEntry> entries)
    {
        foreach (var entry in entries)
            Add(entry);
        return this;
    }

    /// <summary>
    /// Hashes every entry's path, type, permissions, link target, device numbers and
    /// content, plus <paramref name="salt"/> (the image format and compression), so
    /// that any input change gives another key.
    /// </summary>
    public string ComputeHash(string salt)
    {
        var hash = new ContentHash().Add("format", salt);
        foreach (var entry in _entries.Values)
        {
            var header = $"{entry.Type} {(int)entry.Permissions:x3} {entry.DeviceMajor}:{entry.DeviceMinor} {entry.LinkTarget}";
            hash.Add(entry.Path, header + " " + Convert.ToHexStringLower(entry.ContentSha256()));
        }
        return hash.ToHex();
    }

    private void AddParents(string path, string origin)
    {
        var slash = path.LastIndexOf('/');
        if (slash < 0)
            return;

        var parent = path[..slash];
        if (_entries.TryGetValue(parent, out var existing))
        {
            if (existing.Type != CpioEntryType.Directory)
                throw new InvalidOperationException(
                    $"'/{path}' from {origin} needs '/{parent}' to be a directory, but {Describe(existing)} put a {existing.Type} there.");
            return;
        }

        AddParents(parent, origin);
        _entries.Add(parent, CpioEntry.Directory(parent));
        _implicitDirectories.Add(parent);
    }

    private static bool IsSameContent(CpioEntry a, CpioEntry b)
    {
        if (a.Type != b.Type || a.Permissions != b.Permissions)
            return false;
        if (a.SourcePath is not null && a.SourcePath == b.SourcePath)
            return true;
        return a.Type switch
        {
            CpioEntryType.SymbolicLink => a.LinkTarget == b.LinkTarget,
            CpioEntryType.CharacterDevice => a.DeviceMajor == b.DeviceMajor && a.DeviceMinor == b.DeviceMinor,
            CpioEntryType.File => a.ContentLength == b.ContentLength && a.ContentSha256().AsSpan().SequenceEqual(b.ContentSha256()),
            _ => false,
        };
    }

    private static string Describe(CpioEntry entry) => entry.Origin == "generated" ? "a generated file" : $"'{entry.Origin}'";
}
