namespace Harness.Series;

/// <summary>
/// The `series` file in kernel-patches/: patch file names in apply order, one per
/// line, with blank lines and '#' comments allowed (quilt's format, without options).
/// </summary>
public sealed record SeriesFile(string Directory, IReadOnlyList<string> PatchFiles)
{
    public const string FileName = "series";

    public static SeriesFile Read(string patchesDirectory)
    {
        var path = Path.Combine(patchesDirectory, FileName);
        if (!File.Exists(path))
            return new SeriesFile(patchesDirectory, []);

        var patches = new List<string>();
        var lineNumber = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNumber++;
            var line = raw.Split('#', 2)[0].Trim();
            if (line.Length == 0)
                continue;
            if (line.Contains(' '))
                throw new SeriesException($"{path}:{lineNumber}: '{line}' has options after the file name; the harness takes one patch file name per line.");
            if (!File.Exists(Path.Combine(patchesDirectory, line)))
                throw new SeriesException($"{path}:{lineNumber}: the patch '{line}' does not exist in '{patchesDirectory}'.");
            if (patches.Contains(line))
                throw new SeriesException($"{path}:{lineNumber}: the patch '{line}' is listed twice.");
            patches.Add(line);
        }
        return new SeriesFile(patchesDirectory, patches);
    }

    public string PathOf(string patchFile) => Path.Combine(Directory, patchFile);

    /// <summary>Hash of the series file and every patch it lists, in order.</summary>
    public string ComputeHash()
    {
        var hash = new Harness.Core.ContentHash().Add("series", string.Join('\n', PatchFiles));
        foreach (var patch in PatchFiles)
            hash.AddFile(patch, PathOf(patch));
        return hash.ToHex();
    }
}
