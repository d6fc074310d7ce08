using System.Text.RegularExpressions;

namespace Harness.Runs;

/// <summary>
/// Finds the line that explains a failed test in its output, so that reports
/// show a reason for a plain "not ok", which carries none of its own.
/// </summary>
public static partial class FailureDiagnostic
{
    private const int MaxLength = 300;

    /// <summary>
    /// Returns the first "file:line:" diagnostic in <paramref name="output"/>, as
    /// kselftest_harness.h's ASSERT and EXPECT macros and our C# tests print
    /// them, without the KTAP "# " prefix; null when there is none.
    /// </summary>
    public static string? Find(IReadOnlyList<string> output)
    {
        foreach (var line in output)
        {
            var text = line.TrimStart('#', ' ', '\t');
            if (!SourceLocation().IsMatch(text))
                continue;
            return text.Length > MaxLength ? text[..(MaxLength - 3)] + "..." : text;
        }
        return null;
    }

    [GeneratedRegex(@"^[\w./+-]+\.(?:c|h|cs):\d+:")]
    private static partial Regex SourceLocation();
}
