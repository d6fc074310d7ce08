namespace Harness.Suites.Catalog;

/// <summary>
/// Finds the suites: the base's in-tree Landlock kselftests, our C suites (a folder
/// per part under selftests/c/) and the parts of our C# guest program.
/// </summary>
public static class SuiteCatalog
{
    public const string InTreeLandlock = "kselftest/landlock";
    public const string CSharpProject = "selftests/csharp/LandlockSelftests/LandlockSelftests.csproj";

    /// <summary>The parts of the series, in order; "base" tests what the base kernel already has.</summary>
    public static readonly IReadOnlyList<string> Parts = ["base", "part1", "part2", "part3"];

    public static IReadOnlyList<SuiteDefinition> Discover(string repositoryRoot, string kernelTree)
    {
        var suites = new List<SuiteDefinition>();

        var landlock = Path.Combine(kernelTree, "tools", "testing", "selftests", "landlock");
        if (Directory.Exists(landlock))
        {
            var config = Path.Combine(landlock, "config");
            suites.Add(new SuiteDefinition(InTreeLandlock, SuiteKind.InTreeKselftest, "in-tree", "C", landlock,
                File.Exists(config) ? config : null));
        }

        var cRoot = Path.Combine(repositoryRoot, "selftests", "c");
        if (Directory.Exists(cRoot))
        {
            foreach (var part in Directory.GetDirectories(cRoot).Order(StringComparer.Ordinal))
            {
                if (!File.Exists(Path.Combine(part, "Makefile")))
                    continue;
                var name = Path.GetFileName(part);
                var config = Path.Combine(part, "config");
                suites.Add(new SuiteDefinition($"c/{name}", SuiteKind.C, name, "C", part, File.Exists(config) ? config : null));
            }
        }

        var csharp = Path.Combine(repositoryRoot, CSharpProject);
        if (File.Exists(csharp))
        {
            foreach (var part in Parts)
                suites.Add(new SuiteDefinition($"csharp/{part}", SuiteKind.CSharp, part, "C#", Path.GetDirectoryName(csharp)!, null));
        }
        return suites;
    }

    /// <summary>
    /// Keeps the suites whose name matches one of <paramref name="patterns"/>: an
    /// exact name, a prefix ending in '/', or a part name ("part1" selects every
    /// suite of part 1).
    /// </summary>
    public static IReadOnlyList<SuiteDefinition> Select(IReadOnlyList<SuiteDefinition> suites, IReadOnlyCollection<string> patterns)
    {
        if (patterns.Count == 0)
            return suites;
        var selected = suites.Where(s => patterns.Any(p => Matches(s.Name, s.Part, p))).ToList();
        if (selected.Count == 0)
        {
            throw new ArgumentException(
                $"No suite matches --suite {string.Join(", ", patterns)}. The suites are: {string.Join(", ", suites.Select(s => s.Name))}.");
        }
        return selected;
    }

    /// <summary>
    /// Checks --suite patterns before any stage runs, against the suites of the
    /// checkout and the in-tree Landlock suite that every supported base has, so
    /// that a typo costs neither a source download nor a run folder.
    /// </summary>
    public static void CheckPatterns(string repositoryRoot, IReadOnlyList<SuiteDefinition> extraSuites, IReadOnlyCollection<string> patterns)
    {
        if (patterns.Count == 0)
            return;
        var known = Discover(repositoryRoot, kernelTree: Path.Combine(repositoryRoot, "no-kernel-tree"))
            .Concat(extraSuites)
            .Select(s => (s.Name, s.Part))
            .Prepend((Name: InTreeLandlock, Part: "in-tree"))
            .ToList();
        var unknown = patterns.Where(p => !known.Any(k => Matches(k.Name, k.Part, p))).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException(
                $"No suite matches --suite {string.Join(", ", unknown)}. The suites are: {string.Join(", ", known.Select(k => k.Name))}.");
        }
    }

    private static bool Matches(string name, string part, string pattern) =>
        name == pattern || part == pattern || (pattern.EndsWith('/') && name.StartsWith(pattern, StringComparison.Ordinal))
        || name.StartsWith(pattern + "/", StringComparison.Ordinal);
}
