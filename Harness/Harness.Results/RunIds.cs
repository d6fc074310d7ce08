using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Harness.Results;

/// <summary>
/// Run ids: UTC start time and six random hex digits, <c>yyyyMMdd-HHmmss-xxxxxx</c>,
/// so folders sort by start time and two runs started in the same second differ.
/// </summary>
public static partial class RunIds
{
    public static string New(DateTimeOffset startedAt)
    {
        var time = startedAt.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        return $"{time}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
    }

    /// <summary>Whether <paramref name="runId"/> can name a folder under results/: letters, digits, '.', '_', '-', not starting with '.'.</summary>
    public static bool IsValid(string runId) => runId != "latest" && ValidId().IsMatch(runId);

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex ValidId();
}
