using System.Text.RegularExpressions;

namespace Harness.Series;

/// <summary>Finds hunks in a unified diff, to name the one git could not apply.</summary>
public static partial class PatchHunks
{
    /// <summary>
    /// Returns the header line of the hunk of <paramref name="file"/> whose old
    /// range starts at <paramref name="oldStart"/> (git reports that number), or null.
    /// </summary>
    public static string? FindHunkHeader(string patchText, string file, int oldStart)
    {
        var inFile = false;
        foreach (var line in patchText.Split('\n'))
        {
            if (line.StartsWith("diff --git ", StringComparison.Ordinal))
            {
                inFile = line.EndsWith(" b/" + file, StringComparison.Ordinal);
                continue;
            }
            if (!inFile)
                continue;
            var match = HunkHeader().Match(line);
            if (match.Success && int.Parse(match.Groups["old"].Value) == oldStart)
                return line.TrimEnd('\r');
        }
        return null;
    }

    /// <summary>Files a patch changes, from its diff headers.</summary>
    public static IReadOnlyList<string> ChangedFiles(string patchText) =>
        DiffHeader().Matches(patchText).Select(m => m.Groups["file"].Value).Distinct().ToList();

    [GeneratedRegex(@"^@@ -(?<old>\d+)(,\d+)? \+\d+(,\d+)? @@")]
    private static partial Regex HunkHeader();

    [GeneratedRegex(@"^diff --git a/\S+ b/(?<file>\S+)", RegexOptions.Multiline)]
    private static partial Regex DiffHeader();
}
