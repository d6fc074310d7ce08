using System.Text;
using System.Text.RegularExpressions;

namespace Harness.Build;

/// <summary>A symbol that did not end up in .config as a fragment asked.</summary>
public sealed record ConfigMismatch(ConfigRequest Request, string Actual, string? DependsOn, string? Waiver);

/// <summary>
/// Compares the .config that olddefconfig produced with what the fragments asked
/// for. Kconfig silently drops a symbol whose dependencies are not met, so without
/// this check a test would fail later for a missing option instead of its own reason.
/// </summary>
public static partial class ConfigCheck
{
    public static IReadOnlyList<ConfigMismatch> Compare(KernelConfigSet configSet, string dotConfigPath, string? treePath)
    {
        var actual = ReadDotConfig(dotConfigPath);
        var mismatches = new List<ConfigMismatch>();
        Dictionary<string, string>? dependencies = null;
        var lookedUp = false;

        foreach (var request in configSet.EffectiveRequests().Values.OrderBy(r => r.Symbol, StringComparer.Ordinal))
        {
            var value = actual.GetValueOrDefault(request.Symbol, "n");
            if (value == request.Value)
                continue;

            if (!lookedUp && treePath is not null)
                dependencies = KconfigIndex.ReadDependencies(treePath, configSet.EffectiveRequests().Keys);
            lookedUp = true;
            mismatches.Add(new ConfigMismatch(
                request,
                value,
                // Without a tree to look in, say nothing about dependencies.
                dependencies is null ? "" : dependencies.GetValueOrDefault(request.Symbol),
                configSet.Waivers.GetValueOrDefault(request.Symbol)));
        }
        return mismatches;
    }

    /// <summary>Symbol to value; "n" for "# CONFIG_X is not set".</summary>
    public static Dictionary<string, string> ReadDotConfig(string path)
    {
        var values = new Dictionary<string, string>();
        foreach (var line in File.ReadLines(path))
        {
            var set = ConfigFragment.Setting().Match(line);
            if (set.Success)
            {
                values[set.Groups["symbol"].Value] = set.Groups["value"].Value;
                continue;
            }
            var unset = ConfigFragment.NotSet().Match(line);
            if (unset.Success)
                values[unset.Groups["symbol"].Value] = "n";
        }
        return values;
    }

    public static string Describe(IReadOnlyList<ConfigMismatch> mismatches, string dotConfigPath)
    {
        var text = new StringBuilder();
        text.AppendLine($"{mismatches.Count} kernel config symbol(s) did not survive olddefconfig as the fragments ask (in '{dotConfigPath}'):");
        foreach (var m in mismatches)
        {
            var actual = m.Actual == "n" ? "is not set" : $"is {m.Actual}";
            text.Append($"  {m.Request.Symbol}={m.Request.Value} asked by {m.Request.Source}:{m.Request.Line}, but it {actual}");
            text.AppendLine(m.DependsOn switch
            {
                null => "; no Kconfig file of the tree defines it (a typo, or a symbol from another kernel version?).",
                "" => ".",
                var depends => $"; it depends on: {depends}",
            });
        }
        text.Append("  next step: add the symbols it depends on to a fragment in kernel-patches/config/, " +
                    "or list the symbol in kernel-patches/config/waived-symbols with the reason no test needs it.");
        return text.ToString();
    }
}

/// <summary>Finds the `depends on` lines of Kconfig symbols, for messages.</summary>
public static partial class KconfigIndex
{
    public static Dictionary<string, string> ReadDependencies(string treePath, IEnumerable<string> symbols)
    {
        var wanted = symbols.Select(s => s["CONFIG_".Length..]).ToHashSet(StringComparer.Ordinal);
        var result = new Dictionary<string, string>();
        foreach (var file in Directory.EnumerateFiles(treePath, "Kconfig*", SearchOption.AllDirectories))
        {
            string? current = null;
            var depends = new List<string>();
            foreach (var raw in File.ReadLines(file))
            {
                var entry = Entry().Match(raw);
                if (entry.Success)
                {
                    Flush();
                    current = wanted.Contains(entry.Groups["name"].Value) ? entry.Groups["name"].Value : null;
                    continue;
                }
                if (current is null)
                    continue;
                var dependsOn = DependsOn().Match(raw);
                if (dependsOn.Success)
                    depends.Add(dependsOn.Groups["expr"].Value.Trim());
            }
            Flush();

            void Flush()
            {
                if (current is not null)
                {
                    var relative = Path.GetRelativePath(treePath, file);
                    var expression = depends.Count > 0
                        ? $"{string.Join(" && ", depends.Select(d => d.Contains(' ') ? $"({d})" : d))} ({relative})"
                        : "";
                    if (!result.TryAdd("CONFIG_" + current, expression) && expression.Length > 0 && result["CONFIG_" + current].Length == 0)
                        result["CONFIG_" + current] = expression;
                }
                depends.Clear();
                current = null;
            }
        }
        return result;
    }

    [GeneratedRegex(@"^\s*(menu)?config\s+(?<name>[A-Za-z0-9_]+)\s*$")]
    private static partial Regex Entry();

    [GeneratedRegex(@"^\s+depends on\s+(?<expr>.+)$")]
    private static partial Regex DependsOn();
}
