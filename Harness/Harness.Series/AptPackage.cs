namespace Harness.Series;

/// <summary>The fields of an `apt-cache show` record that the download needs.</summary>
public sealed record AptPackage(string Name, string Version, string Filename, string Sha256)
{
    /// <summary>Parses the first record of `apt-cache show` output; null when a field is missing.</summary>
    public static AptPackage? ParseFirst(string output)
    {
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in output.Split('\n'))
        {
            if (line.Length == 0)
            {
                if (fields.Count > 0)
                    break;
                continue;
            }
            var colon = line.IndexOf(':');
            if (colon > 0 && !char.IsWhiteSpace(line[0]))
                fields.TryAdd(line[..colon], line[(colon + 1)..].Trim());
        }

        return fields.TryGetValue("Package", out var name)
               && fields.TryGetValue("Version", out var version)
               && fields.TryGetValue("Filename", out var filename)
               && fields.TryGetValue("SHA256", out var sha)
            ? new AptPackage(name, version, filename, sha)
            : null;
    }
}
