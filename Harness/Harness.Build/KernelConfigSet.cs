using Harness.Core;

namespace Harness.Build;

/// <summary>
/// Everything that decides the kernel's .config: the fragments in order (later ones
/// win, as with merge_config.sh) and the symbols waived from the check, with why.
/// </summary>
public sealed record KernelConfigSet(IReadOnlyList<ConfigFragment> Fragments, IReadOnlyDictionary<string, string> Waivers)
{
    public const string WaiverFileName = "waived-symbols";

    /// <summary>
    /// The project's fragments (kernel-patches/config/*.config, by name) followed by
    /// the extra ones the suites need, plus the waiver file beside the fragments.
    /// </summary>
    public static KernelConfigSet Load(string fragmentDirectory, IEnumerable<ConfigFragment> suiteFragments)
    {
        var fragments = Directory.Exists(fragmentDirectory)
            ? Directory.GetFiles(fragmentDirectory, "*.config")
                .Order(StringComparer.Ordinal)
                .Select(p => new ConfigFragment($"kernel-patches/config/{System.IO.Path.GetFileName(p)}", p))
                .ToList()
            : [];
        fragments.AddRange(suiteFragments);
        return new KernelConfigSet(fragments, ReadWaivers(System.IO.Path.Combine(fragmentDirectory, WaiverFileName)));
    }

    /// <summary>The last value requested for each symbol, with the fragment that requested it.</summary>
    public IReadOnlyDictionary<string, ConfigRequest> EffectiveRequests()
    {
        var effective = new Dictionary<string, ConfigRequest>();
        foreach (var request in Fragments.SelectMany(f => f.ReadRequests()))
            effective[request.Symbol] = request;
        return effective;
    }

    /// <summary>Hash of the fragments' contents in order; the build directory is keyed by it.</summary>
    public string ComputeHash()
    {
        var hash = new ContentHash();
        foreach (var fragment in Fragments)
            hash.AddFile(fragment.DisplayName, fragment.Path);
        return hash.ToHex();
    }

    private static IReadOnlyDictionary<string, string> ReadWaivers(string path)
    {
        var waivers = new Dictionary<string, string>();
        if (!File.Exists(path))
            return waivers;
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var parts = line.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
            waivers[parts[0]] = parts.Length > 1 ? parts[1].Trim() : "";
        }
        return waivers;
    }
}
