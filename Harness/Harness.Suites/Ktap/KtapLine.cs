using System.Globalization;
using System.Text.RegularExpressions;

namespace Harness.Suites.Ktap;

internal enum KtapLineKind
{
    Version,
    Plan,
    Result,
    SubtestHeader,
    BailOut,
    Diagnostic,
    Unknown,
}

/// <summary>One line classified relative to a nesting level (its prefix already removed).</summary>
internal readonly partial record struct KtapLine(
    KtapLineKind Kind,
    string Text,
    string Extra = "",
    bool Ok = false,
    int? Number = null,
    string Description = "",
    string? DirectiveText = null,
    int PlanCount = 0)
{
    /// <summary>
    /// Classifies <paramref name="rest"/>. <see cref="Extra"/> is the nesting
    /// prefix before a version line (spaces or kselftest's <c>"# "</c>) or the
    /// indentation before a TAP 14 plan, result or subtest header; it is empty for
    /// lines of the level itself.
    /// </summary>
    public static KtapLine Classify(string rest)
    {
        var version = VersionLine().Match(rest);
        if (version.Success)
            return new KtapLine(KtapLineKind.Version, version.Groups["version"].Value, Extra: version.Groups["extra"].Value);

        var indented = IndentedLine().Match(rest);
        var indentation = indented.Groups["indent"].Value;
        var body = indented.Groups["body"].Value;

        var plan = PlanLine().Match(body);
        if (plan.Success)
        {
            // A plan count that does not fit an int is garbage; int.MaxValue keeps it "huge".
            var count = int.TryParse(plan.Groups["count"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : int.MaxValue;
            var directive = plan.Groups["directive"].Success ? plan.Groups["directive"].Value : null;
            return new KtapLine(KtapLineKind.Plan, body, indentation, PlanCount: count, DirectiveText: directive);
        }

        var result = ResultLine().Match(body);
        if (result.Success)
            return ParseResult(body, indentation, result);

        var subtest = SubtestHeaderLine().Match(body);
        if (subtest.Success)
            return new KtapLine(KtapLineKind.SubtestHeader, body, indentation, Description: subtest.Groups["name"].Value.Trim());

        if (indentation.Length > 0)
            return new KtapLine(KtapLineKind.Unknown, rest);

        var bail = BailOutLine().Match(rest);
        if (bail.Success)
            return new KtapLine(KtapLineKind.BailOut, rest, Description: bail.Groups["reason"].Value.Trim());

        if (rest.StartsWith('#'))
            return new KtapLine(KtapLineKind.Diagnostic, rest);

        return new KtapLine(KtapLineKind.Unknown, rest);
    }

    private static KtapLine ParseResult(string body, string indentation, Match match)
    {
        var ok = match.Groups["result"].Value == "ok";
        int? number = null;
        if (match.Groups["number"].Success &&
            int.TryParse(match.Groups["number"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            number = parsed;
        }

        var tail = match.Groups["tail"].Value;
        var hash = FindUnescapedHash(tail);
        var description = hash < 0 ? tail : tail[..hash];
        string? directive = hash < 0 ? null : tail[(hash + 1)..];

        description = description.Trim();
        // TAP 13 and 14 allow "ok 1 - name"; the dash separates, it is not part of the name.
        if (description.StartsWith("- ", StringComparison.Ordinal))
            description = description[2..].TrimStart();
        else if (description == "-")
            description = "";

        return new KtapLine(KtapLineKind.Result, body, indentation, ok, number, description, directive);
    }

    private static int FindUnescapedHash(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
                continue;
            }
            if (text[i] == '#')
                return i;
        }
        return -1;
    }

    // The extra prefix before a nested version line: spaces (KTAP) and "#" marks
    // (kselftest's runner prefixes every line of a test program with "# ").
    [GeneratedRegex(@"^(?<extra>[#\s]*?)(?<version>(?:KTAP|TAP) version \d+)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionLine();

    [GeneratedRegex(@"^(?<indent>\s*)(?<body>.*)$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex IndentedLine();

    [GeneratedRegex(@"^1\.\.(?<count>\d+)\s*(?:#\s*(?<directive>.*))?$", RegexOptions.CultureInvariant)]
    private static partial Regex PlanLine();

    [GeneratedRegex(@"^(?<result>not ok|ok)(?=\s|$|#)(?:\s+(?<number>\d+)(?=\s|$|#))?(?<tail>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex ResultLine();

    [GeneratedRegex(@"^#\s*Subtest:\s*(?<name>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex SubtestHeaderLine();

    [GeneratedRegex(@"^Bail out!(?<reason>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex BailOutLine();
}

/// <summary>A result's status from its ok/not ok and its directive.</summary>
internal static class KtapDirective
{
    /// <summary>
    /// Splits the text after <c>#</c> into a directive keyword (case-insensitive:
    /// SKIP and its TAP spellings "skipped"/"skipping", TODO, XFAIL, XPASS,
    /// TIMEOUT, ERROR) and the reason. Text that starts with no known keyword is
    /// all reason, as KTAP requires for unknown directives.
    /// </summary>
    public static (TestStatus Status, string? Directive, string? Reason) Interpret(bool ok, string? directiveText)
    {
        var fallback = ok ? TestStatus.Pass : TestStatus.Fail;
        if (directiveText is null)
            return (fallback, null, null);

        var text = directiveText.Trim();
        var wordEnd = 0;
        while (wordEnd < text.Length && char.IsAsciiLetter(text[wordEnd]))
            wordEnd++;
        var word = text[..wordEnd].ToUpperInvariant();
        var afterWord = text[wordEnd..];
        var reason = afterWord.TrimStart(':', ' ', '\t').Trim();

        // A keyword must end the word: "# Skipping" is SKIP, "# errors: 3" is not ERROR.
        var keywordEnds = afterWord.Length == 0 || afterWord[0] is ' ' or '\t' or ':';
        TestStatus? status = !keywordEnds ? null : word switch
        {
            "SKIP" or "SKIPPED" or "SKIPPING" => TestStatus.Skip,
            "TODO" => TestStatus.Todo,
            "XFAIL" => TestStatus.XFail,
            "XPASS" => TestStatus.XPass,
            "TIMEOUT" => TestStatus.Timeout,
            "ERROR" => TestStatus.Error,
            _ => null,
        };

        if (status is null)
            return (fallback, null, text.Length == 0 ? null : text);

        var directive = status == TestStatus.Skip ? "SKIP" : word;
        return (status.Value, directive, reason.Length == 0 ? null : reason);
    }
}
