namespace Harness.Suites.Ktap;

/// <summary>Limits that keep a runaway test from exhausting memory. Defaults suit selftests that print a few hundred lines.</summary>
public sealed record KtapParserOptions
{
    public static KtapParserOptions Default { get; } = new();

    /// <summary>Output lines kept per test; past it the first fifth and the last four fifths are kept.</summary>
    public int MaxOutputLinesPerTest { get; init; } = 5000;

    /// <summary>Characters kept per line; longer lines are cut and end with "…".</summary>
    public int MaxLineLength { get; init; } = 4096;

    /// <summary>Problems recorded before the rest are only counted.</summary>
    public int MaxProblems { get; init; } = 500;

    /// <summary>
    /// Planned tests that never reported and get one Error result each; past this
    /// number (a garbage plan such as <c>1..4294967295</c>) they share one result.
    /// </summary>
    public int MaxMissingResults { get; init; } = 100;
}
