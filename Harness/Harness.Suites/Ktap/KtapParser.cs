namespace Harness.Suites.Ktap;

/// <summary>The results and summary of a whole KTAP text, in the order the streaming parser delivered them.</summary>
public sealed record KtapParseResult(IReadOnlyList<TestResult> Results, KtapSummary Summary)
{
    /// <summary>Returns the result with this id, or null.</summary>
    public TestResult? Find(string id) => Results.FirstOrDefault(result => result.Id == id);
}

public static class KtapParser
{
    /// <summary>Parses a complete text with <see cref="KtapStreamParser"/>; see it for the rules.</summary>
    public static KtapParseResult Parse(
        string text, string idPrefix = "", bool outputWasCutOff = false, KtapParserOptions? options = null)
    {
        var results = new List<TestResult>();
        var parser = new KtapStreamParser(idPrefix, results.Add, options);
        if (text.Length > 0)
            parser.Feed(text);
        var summary = parser.Complete(outputWasCutOff);
        return new KtapParseResult(results, summary);
    }
}
