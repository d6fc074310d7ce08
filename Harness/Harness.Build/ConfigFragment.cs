using System.Text.RegularExpressions;

namespace Harness.Build;

/// <summary>A symbol value a fragment requests, with the fragment and line that request it.</summary>
public sealed record ConfigRequest(string Symbol, string Value, string Source, int Line);

/// <summary>
/// A Kconfig fragment: `CONFIG_X=value` lines and `# CONFIG_X is not set` lines,
/// as merge_config.sh reads them. <paramref name="DisplayName"/> is how messages name it.
/// </summary>
public sealed partial record ConfigFragment(string DisplayName, string Path)
{
    public IReadOnlyList<ConfigRequest> ReadRequests()
    {
        var requests = new List<ConfigRequest>();
        var number = 0;
        foreach (var raw in File.ReadLines(Path))
        {
            number++;
            var line = raw.Trim();
            var set = Setting().Match(line);
            if (set.Success)
            {
                requests.Add(new ConfigRequest(set.Groups["symbol"].Value, set.Groups["value"].Value, DisplayName, number));
                continue;
            }
            var unset = NotSet().Match(line);
            if (unset.Success)
                requests.Add(new ConfigRequest(unset.Groups["symbol"].Value, "n", DisplayName, number));
        }
        return requests;
    }

    [GeneratedRegex(@"^(?<symbol>CONFIG_[A-Za-z0-9_]+)=(?<value>.*)$")]
    internal static partial Regex Setting();

    [GeneratedRegex(@"^# (?<symbol>CONFIG_[A-Za-z0-9_]+) is not set$")]
    internal static partial Regex NotSet();
}
