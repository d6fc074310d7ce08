using System.Security.Cryptography;
using System.Text;

namespace Harness.Core;

/// <summary>
/// SHA-256 over an ordered list of named parts, used as a cache key. Names are
/// hashed with the contents so that renaming an input changes the key.
/// </summary>
public sealed class ContentHash
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public ContentHash Add(string name, string content) => Add(name, Encoding.UTF8.GetBytes(content));

    public ContentHash Add(string name, byte[] content)
    {
        var header = Encoding.UTF8.GetBytes($"{name}\0{content.Length}\0");
        _hash.AppendData(header);
        _hash.AppendData(content);
        return this;
    }

    public ContentHash AddFile(string name, string path) => Add(name, File.ReadAllBytes(path));

    /// <summary>Adds every file below <paramref name="directory"/>, in ordinal path order.</summary>
    public ContentHash AddDirectory(string name, string directory)
    {
        if (!Directory.Exists(directory))
            return Add(name, "<missing>");

        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
                     .Where(f => !IsBuildOutput(directory, f))
                     .OrderBy(f => f, StringComparer.Ordinal))
        {
            AddFile($"{name}/{Path.GetRelativePath(directory, file)}", file);
        }
        return this;
    }

    public string ToHex() => Convert.ToHexStringLower(_hash.GetCurrentHash());

    /// <summary>The first 12 hex digits: enough to tell cache entries apart in a name.</summary>
    public string ToShortHex() => ToHex()[..12];

    public static string Of(string content) => new ContentHash().Add("", content).ToHex();

    private static bool IsBuildOutput(string root, string file)
    {
        var relative = Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar);
        return relative.Any(part => part is "bin" or "obj");
    }
}
