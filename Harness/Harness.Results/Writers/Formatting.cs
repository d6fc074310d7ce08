using System.Globalization;

namespace Harness.Results;

internal static class Formatting
{
    /// <summary>"0.4 s", "41 s", "12m 31s", "1h 02m".</summary>
    public static string Duration(double? seconds)
    {
        if (seconds is not { } value)
            return "";
        if (value < 10)
            return value.ToString("0.0", CultureInfo.InvariantCulture) + " s";
        if (value < 60)
            return value.ToString("0", CultureInfo.InvariantCulture) + " s";

        var span = TimeSpan.FromSeconds(Math.Round(value));
        return span.TotalHours >= 1
            ? $"{(int)span.TotalHours}h {span.Minutes:00}m"
            : $"{span.Minutes}m {span.Seconds:00}s";
    }

    public static string Seconds(double seconds) => seconds.ToString("0.000", CultureInfo.InvariantCulture);

    public static string Timestamp(DateTimeOffset? time) =>
        time?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) ?? "";

    public static string ShortSha(string sha) => sha.Length > 12 ? sha[..12] : sha;

    /// <summary>Parent part of an id ("landlock/base_test" for "landlock/base_test/global.x"), or <paramref name="fallback"/>.</summary>
    public static string IdParent(string id, string fallback)
    {
        var slash = id.LastIndexOf('/');
        return slash > 0 ? id[..slash] : fallback;
    }

    public static string IdLeaf(string id)
    {
        var slash = id.LastIndexOf('/');
        return slash >= 0 ? id[(slash + 1)..] : id;
    }
}
