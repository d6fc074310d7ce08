using System.Text;

namespace Harness.Suites.Ktap;

/// <summary>
/// Builds test ids: the caller's prefix and one segment per nesting level, joined
/// with <c>/</c>. A segment is the test's name as printed (trimmed) with three
/// characters percent-encoded so that a path always splits back into the same
/// names: <c>%</c> as <c>%25</c>, <c>/</c> as <c>%2F</c> and <c>#</c> as <c>%23</c>.
/// The n-th test (n ≥ 2) with the same name under the same parent gets
/// <c>#n</c> appended, e.g. <c>open_file</c>, <c>open_file#2</c>. A result line
/// without a name gets the name <c>(unnamed)</c>.
/// </summary>
/// <remarks>
/// Test numbers never appear in an id, so that adding or reordering tests does
/// not rename the others. The exception is a planned test that never reported:
/// nothing but its number is known, so it is named <c>(missing N)</c>.
/// </remarks>
public static class TestIds
{
    public const string UnnamedTest = "(unnamed)";

    public static string EscapeSegment(string name)
    {
        if (name.Length == 0)
            return UnnamedTest;
        if (name.AsSpan().IndexOfAny('%', '/', '#') < 0)
            return name;

        var builder = new StringBuilder(name.Length + 8);
        foreach (var character in name)
        {
            builder.Append(character switch
            {
                '%' => "%25",
                '/' => "%2F",
                '#' => "%23",
                _ => character.ToString(),
            });
        }
        return builder.ToString();
    }

    /// <summary>Joins a prefix (already a path, may be empty) and escaped segments.</summary>
    public static string Join(string prefix, IEnumerable<string> segments)
    {
        var path = string.Join('/', segments);
        if (prefix.Length == 0)
            return path;
        if (path.Length == 0)
            return prefix;
        return prefix.TrimEnd('/') + "/" + path;
    }
}

/// <summary>Hands out id segments for one nesting level, numbering repeated names.</summary>
internal sealed class SegmentAllocator
{
    private readonly Dictionary<string, int> _occurrences = new(StringComparer.Ordinal);

    /// <summary>Returns the segment for the next test called <paramref name="name"/>, and how many came before it.</summary>
    public string Allocate(string name, out int earlierOccurrences)
    {
        var escaped = TestIds.EscapeSegment(name);
        earlierOccurrences = _occurrences.GetValueOrDefault(escaped);
        _occurrences[escaped] = earlierOccurrences + 1;
        return earlierOccurrences == 0 ? escaped : $"{escaped}#{earlierOccurrences + 1}";
    }
}
