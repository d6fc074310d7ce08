using System.Text.RegularExpressions;

namespace Harness.Core;

public static partial class ShellQuoting
{
    /// <summary>Quotes <paramref name="word"/> for a POSIX shell; words of safe characters stay bare.</summary>
    public static string Quote(string word)
    {
        if (word.Length > 0 && SafeWord().IsMatch(word))
            return word;
        return "'" + word.Replace("'", "'\\''") + "'";
    }

    [GeneratedRegex(@"^[A-Za-z0-9_@%+=:,./-]+$")]
    private static partial Regex SafeWord();
}
