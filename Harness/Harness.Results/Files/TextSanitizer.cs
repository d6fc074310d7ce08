using System.Text;

namespace Harness.Results;

/// <summary>
/// Makes kernel and test output safe for XML 1.0 and HTML. XML 1.0 cannot carry
/// C0 control characters other than tab, newline and carriage return, not even
/// as character references, so each is shown as its Unicode control picture
/// (U+2400 + code: ESC becomes ␛). Unpaired surrogates and U+FFFE/U+FFFF become
/// U+FFFD.
/// </summary>
internal static class TextSanitizer
{
    public static string ForXml(string? text)
    {
        if (string.IsNullOrEmpty(text))
            return "";
        if (!NeedsChange(text))
            return text;

        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var character = text[i];
            if (char.IsHighSurrogate(character) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(character).Append(text[i + 1]);
                i++;
            }
            else if (char.IsSurrogate(character) || character is '\uFFFE' or '\uFFFF')
            {
                builder.Append('\uFFFD');
            }
            else if (character < 0x20 && character is not ('\t' or '\n' or '\r'))
            {
                builder.Append((char)(0x2400 + character));
            }
            else
            {
                builder.Append(character);
            }
        }
        return builder.ToString();
    }

    private static bool NeedsChange(string text)
    {
        foreach (var character in text)
        {
            if ((character < 0x20 && character is not ('\t' or '\n' or '\r')) ||
                char.IsSurrogate(character) || character is '\uFFFE' or '\uFFFF')
            {
                return true;
            }
        }
        return false;
    }
}
