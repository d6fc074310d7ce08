using System.Globalization;
using System.Text.RegularExpressions;

namespace Harness.Suites.Ktap;

/// <summary>
/// Removes the prefix printk puts before a console or dmesg line: an optional
/// <c>&lt;level&gt;</c> (as in <c>dmesg -r</c>), the <c>[seconds.micros]</c>
/// timestamp, an optional caller id such as <c>[    T1]</c> or <c>[C0]</c>
/// (CONFIG_PRINTK_CALLER), and the single space after them. Indentation after that
/// space is kept, because KTAP nesting depends on it.
/// </summary>
public static partial class ConsoleTimestamp
{
    public static string Strip(string line) => Strip(line, out _);

    /// <summary>Strips the prefix and returns the kernel time it carried, or null when there was none.</summary>
    public static string Strip(string line, out TimeSpan? kernelTime)
    {
        kernelTime = null;
        if (line.Length == 0 || (line[0] != '[' && line[0] != '<' && line[0] != ' '))
            return line;

        var match = Prefix().Match(line);
        if (!match.Success)
            return line;

        var seconds = long.Parse(match.Groups["seconds"].ValueSpan, CultureInfo.InvariantCulture);
        var fraction = match.Groups["fraction"].Value;
        // Ticks are 100 ns; printk prints microseconds, but scale any length of fraction.
        var fractionTicks = fraction.Length >= 7
            ? long.Parse(fraction.AsSpan(0, 7), CultureInfo.InvariantCulture)
            : long.Parse(fraction, CultureInfo.InvariantCulture) * (long)Math.Pow(10, 7 - fraction.Length);
        kernelTime = TimeSpan.FromTicks(seconds * TimeSpan.TicksPerSecond + fractionTicks);
        return line[match.Length..];
    }

    [GeneratedRegex(@"^\s*(?:<\d{1,3}>)?\[\s*(?<seconds>\d{1,10})\.(?<fraction>\d{1,9})\](?:\[\s*[CT]\d+\])? ?", RegexOptions.CultureInvariant)]
    private static partial Regex Prefix();
}
