using System.Globalization;
using System.Text.RegularExpressions;

namespace Harness.Cli.Infrastructure;

/// <summary>
/// Reads what `dotnet test` prints for each test project: the counts, in the
/// one-line form ("Passed!  - Failed: 0, Passed: 5, Skipped: 0") of the
/// minimal console logger or the "Passed: N" lines after "Total tests:" of the
/// normal one, and the name and first message line of every failed test.
/// </summary>
/// <remarks>
/// The failures are repeated at the very end because CI systems and people
/// often keep only the tail of a long log, and a count without names sends
/// them back to a log they may no longer have.
/// </remarks>
internal sealed partial class TestTotals
{
    private readonly List<FailedTest> failures = [];
    private bool awaitingMessage;
    private bool inMessage;

    public int Passed { get; private set; }
    public int Failed { get; private set; }
    public int Skipped { get; private set; }
    public IReadOnlyList<FailedTest> Failures => failures;

    public void Read(string line)
    {
        if (ReadFailure(line))
            return;

        var summary = Summary().Match(line);
        if (summary.Success)
        {
            Failed += Number(summary.Groups["failed"]);
            Passed += Number(summary.Groups["passed"]);
            Skipped += Number(summary.Groups["skipped"]);
            return;
        }

        var count = Count().Match(line);
        if (!count.Success)
            return;
        var value = Number(count.Groups["count"]);
        switch (count.Groups["kind"].Value)
        {
            case "Passed":
                Passed += value;
                break;
            case "Failed":
                Failed += value;
                break;
            case "Skipped":
                Skipped += value;
                break;
        }
    }

    /// <summary>The closing lines: the counts, then each failed test.</summary>
    public IEnumerable<string> Report()
    {
        yield return $"{Passed} passed, {Failed} failed, {Skipped} skipped";
        if (failures.Count == 0)
            yield break;
        yield return "Failed tests:";
        foreach (var failure in failures)
            yield return failure.Message is { } message ? $"  {failure.Name}: {message}" : $"  {failure.Name}";
    }

    private bool ReadFailure(string line)
    {
        var failed = FailedTestLine().Match(line);
        if (failed.Success)
        {
            failures.Add(new FailedTest(failed.Groups["name"].Value, null));
            awaitingMessage = true;
            inMessage = false;
            return true;
        }

        if (awaitingMessage && line.Trim() == "Error Message:")
        {
            awaitingMessage = false;
            inMessage = true;
            return true;
        }

        awaitingMessage = false;
        if (inMessage)
        {
            inMessage = false;
            var message = line.Trim();
            if (message.Length > 0)
                failures[^1] = failures[^1] with { Message = message };
            return true;
        }

        return false;
    }

    private static int Number(Group group) => int.Parse(group.Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"(?:Passed|Failed)!\s+-\s+Failed:\s+(?<failed>\d+),\s+Passed:\s+(?<passed>\d+),\s+Skipped:\s+(?<skipped>\d+)")]
    private static partial Regex Summary();

    [GeneratedRegex(@"^\s+(?<kind>Passed|Failed|Skipped):\s+(?<count>\d+)\s*$")]
    private static partial Regex Count();

    [GeneratedRegex(@"^\s+Failed (?<name>\S.*?) \[[^\]]+\]\s*$")]
    private static partial Regex FailedTestLine();
}

/// <summary>A failed test as `dotnet test` named it, with its first message line.</summary>
internal sealed record FailedTest(string Name, string? Message);
