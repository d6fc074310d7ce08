using System.Text.RegularExpressions;

namespace Harness.Series;

/// <summary>Reads the kernel version from the top-level Makefile without running make.</summary>
public static partial class KernelMakefile
{
    public static string ReadVersion(string treePath)
    {
        var makefile = Path.Combine(treePath, "Makefile");
        if (!File.Exists(makefile))
            throw new KernelSourceException($"'{treePath}' is not a kernel tree: it has no top-level Makefile.");

        var values = new Dictionary<string, string>();
        foreach (var line in File.ReadLines(makefile).Take(20))
        {
            var match = Assignment().Match(line);
            if (match.Success)
                values[match.Groups[1].Value] = match.Groups[2].Value.Trim();
        }

        if (!values.TryGetValue("VERSION", out var version) || !values.TryGetValue("PATCHLEVEL", out var patchLevel))
            throw new KernelSourceException($"'{makefile}' does not start with VERSION and PATCHLEVEL, so it is not a kernel Makefile.");

        var sublevel = values.GetValueOrDefault("SUBLEVEL", "0");
        var extra = values.GetValueOrDefault("EXTRAVERSION", "");
        return $"{version}.{patchLevel}.{sublevel}{extra}";
    }

    [GeneratedRegex(@"^(VERSION|PATCHLEVEL|SUBLEVEL|EXTRAVERSION)\s*=\s*(.*)$")]
    private static partial Regex Assignment();
}
