using System.Text.RegularExpressions;
using Harness.Core;

namespace Harness.Series;

/// <summary>
/// Runs the base tree's scripts/checkpatch.pl --strict on each patch, and checks
/// what a maintainer checks before reading the code: a subject with a subsystem
/// prefix and an imperative summary, a body that explains why, and a Signed-off-by.
/// </summary>
public sealed partial class SeriesChecker(CommandRunner runner)
{
    private const int MaxSubjectLength = 75;

    public async Task<IReadOnlyList<PatchCheck>> CheckAsync(string treePath, SeriesFile series, CancellationToken cancellationToken)
    {
        var checkpatch = Path.Combine(treePath, "scripts", "checkpatch.pl");
        if (!File.Exists(checkpatch))
            throw new SeriesException($"The tree '{treePath}' has no scripts/checkpatch.pl.");

        var results = new List<PatchCheck>();
        foreach (var patch in series.PatchFiles)
        {
            var outcome = await runner.RunAsync(
                ExternalCommand.Of("perl", checkpatch, "--strict", "--no-summary", "--show-types", series.PathOf(patch)).In(treePath),
                cancellationToken: cancellationToken);
            var findings = ParseCheckpatch(outcome.StandardOutput).ToList();
            findings.AddRange(CheckMessage(File.ReadAllText(series.PathOf(patch))));
            results.Add(new PatchCheck(
                patch,
                findings.Count(f => f.Severity == "ERROR"),
                findings.Count(f => f.Severity == "WARNING"),
                findings.Count(f => f.Severity == "CHECK"),
                findings));
        }
        return results;
    }

    /// <summary>Parses checkpatch's "ERROR:TYPE: message" lines and the "#N: FILE: path:line:" line after each.</summary>
    public static IEnumerable<PatchFinding> ParseCheckpatch(string output)
    {
        var lines = output.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var match = CheckpatchLine().Match(lines[i]);
            if (!match.Success)
                continue;
            string? location = null;
            if (i + 1 < lines.Length)
            {
                var where = CheckpatchLocation().Match(lines[i + 1]);
                if (where.Success)
                    location = where.Groups["where"].Value.TrimEnd(':');
            }
            yield return new PatchFinding(match.Groups["severity"].Value, match.Groups["message"].Value.Trim(), location);
        }
    }

    /// <summary>The harness's own rules for a patch's mail headers and changelog.</summary>
    public static IEnumerable<PatchFinding> CheckMessage(string patchText)
    {
        var text = patchText.Replace("\r\n", "\n");
        var subjectMatch = Subject().Match(text);
        if (!subjectMatch.Success)
        {
            yield return new PatchFinding("ERROR", "The patch has no Subject header; make it with git format-patch.", null);
            yield break;
        }

        var subject = subjectMatch.Groups["subject"].Value.Trim();
        if (!SubjectPrefix().IsMatch(subject))
            yield return new PatchFinding("ERROR", $"The subject '{subject}' has no subsystem prefix such as 'landlock:' or 'selftests/bpf:'.", "Subject");
        if (subject.Length > MaxSubjectLength)
            yield return new PatchFinding("WARNING", $"The subject is {subject.Length} characters long; keep it under {MaxSubjectLength}.", "Subject");

        var headerEnd = text.IndexOf("\n\n", StringComparison.Ordinal);
        var diffStart = text.IndexOf("\n---\n", StringComparison.Ordinal);
        var body = headerEnd >= 0 && diffStart >= headerEnd + 2 ? text[(headerEnd + 2)..diffStart] : "";
        var bodyText = string.Join('\n', body.Split('\n').Where(l => !Trailer().IsMatch(l))).Trim();
        if (bodyText.Length == 0)
            yield return new PatchFinding("ERROR", "The changelog has no body; say why the change is needed.", "changelog");
        if (!body.Split('\n').Any(l => l.StartsWith("Signed-off-by: ", StringComparison.Ordinal)))
            yield return new PatchFinding("ERROR", "The changelog has no Signed-off-by line.", "changelog");
    }

    [GeneratedRegex(@"^(?<severity>ERROR|WARNING|CHECK):(?:[A-Z_]+:)?(?<message>.*)$")]
    private static partial Regex CheckpatchLine();

    [GeneratedRegex(@"^#\d+: (?:FILE: )?(?<where>.*)$")]
    private static partial Regex CheckpatchLocation();

    [GeneratedRegex(@"^Subject: (?:\[[^\]]*\]\s*)?(?<subject>.*(?:\n .*)*)", RegexOptions.Multiline)]
    private static partial Regex Subject();

    [GeneratedRegex(@"^[A-Za-z0-9_./-]+(?:[ ,]+[A-Za-z0-9_./-]+)*: \S")]
    private static partial Regex SubjectPrefix();

    [GeneratedRegex(@"^[A-Z][A-Za-z-]+: .*<.*>$")]
    private static partial Regex Trailer();
}
