using System.Text;
using System.Text.RegularExpressions;
using Harness.Core;
using Microsoft.Extensions.Logging;

namespace Harness.Series;

/// <summary>
/// Writes the work tree's commits back to kernel-patches/ as format-patch files
/// and a new series file, so the series can be edited as commits. The cover
/// letter keeps its subject and text; its shortlog and diffstat are regenerated.
/// </summary>
public sealed partial class SeriesExporter(SeriesApplier applier, CommandRunner runner, ILogger logger)
{
    public const string CoverLetterName = "0000-cover-letter.patch";

    /// <param name="force">Export even a tree that got only the first patches of the series.</param>
    public async Task<SeriesFile> ExportAsync(KernelBase kernelBase, string patchesDirectory, CancellationToken cancellationToken, bool force = false)
    {
        if (!force)
            applier.CheckExportable(kernelBase);
        var tree = applier.TreePathFor(kernelBase);
        var commits = await applier.ListTreeCommitsAsync(kernelBase, cancellationToken);
        var dirty = await runner.ReadAsync(ExternalCommand.Of("git", "status", "--porcelain", "--untracked-files=no").In(tree), cancellationToken);
        if (dirty.Length > 0)
            throw new SeriesException($"The work tree '{tree}' has uncommitted changes; commit them (git commit --amend or a fixup) before exporting.");

        var staging = Path.Combine(patchesDirectory, ".export");
        if (Directory.Exists(staging))
            Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);

        var coverPath = Path.Combine(patchesDirectory, CoverLetterName);
        var hasCover = File.Exists(coverPath);
        if (commits.Count > 0)
        {
            var arguments = new List<string> { "format-patch", "-q", "--no-signature", "--zero-commit", "-o", staging };
            if (hasCover)
                arguments.Add("--cover-letter");
            arguments.Add($"{kernelBase.BaseRevision}..HEAD");
            await runner.RunCheckedAsync(ExternalCommand.Of("git", arguments.ToArray()).In(tree), cancellationToken: cancellationToken);
        }

        if (hasCover && commits.Count > 0)
        {
            var generated = Path.Combine(staging, CoverLetterName);
            File.WriteAllText(generated, MergeCoverLetter(File.ReadAllText(coverPath), File.ReadAllText(generated)));
        }

        // A patch whose commit did not change keeps its file as it is, so that an
        // export after editing one commit shows up in `git diff` as that one patch.
        var unchanged = 0;
        foreach (var old in Directory.GetFiles(patchesDirectory, "*.patch"))
        {
            var staged = Path.Combine(staging, Path.GetFileName(old));
            if (File.Exists(staged) && SamePatch(File.ReadAllText(old), File.ReadAllText(staged)))
            {
                File.Delete(staged);
                unchanged++;
            }
            else if (Path.GetFileName(old) != CoverLetterName || commits.Count > 0)
            {
                File.Delete(old);
            }
        }
        var written = Directory.GetFiles(staging, "*.patch").Length;

        foreach (var file in Directory.GetFiles(staging, "*.patch"))
            File.Move(file, Path.Combine(patchesDirectory, Path.GetFileName(file)));
        var patchNames = commits.Count == 0
            ? []
            : Directory.GetFiles(patchesDirectory, "*.patch").Select(Path.GetFileName).OfType<string>()
                .Where(name => name != CoverLetterName).Order(StringComparer.Ordinal).ToList();
        Directory.Delete(staging, recursive: true);

        var text = new StringBuilder();
        foreach (var name in patchNames)
            text.Append(name).Append('\n');
        var seriesPath = Path.Combine(patchesDirectory, SeriesFile.FileName);
        if (!File.Exists(seriesPath) || File.ReadAllText(seriesPath) != text.ToString())
            File.WriteAllText(seriesPath, text.ToString());

        var series = SeriesFile.Read(patchesDirectory);
        await applier.RecordExportAsync(kernelBase, series, cancellationToken);
        logger.LogInformation("Exported {Count} patches to {Directory}: {Written} files written, {Unchanged} unchanged",
            patchNames.Count, patchesDirectory, written, unchanged);
        return series;
    }

    /// <summary>
    /// Puts the old cover letter's subject and text into the freshly generated one,
    /// whose "*** SUBJECT HERE ***" and "*** BLURB HERE ***" placeholders they replace.
    /// </summary>
    public static string MergeCoverLetter(string oldCover, string generated)
    {
        var subject = CoverSubject().Match(oldCover);
        var oldText = CoverText(oldCover);
        var merged = generated;
        if (subject.Success)
            merged = merged.Replace("*** SUBJECT HERE ***", string.Join(' ', subject.Groups["subject"].Value.Split('\n').Select(l => l.Trim())).Trim());
        if (oldText is not null)
            merged = merged.Replace("*** BLURB HERE ***", oldText);
        return merged;
    }

    /// <summary>
    /// Whether two format-patch files hold the same patch: they may differ only in
    /// what format-patch fills in on its own (the commit id on the "From " line,
    /// the date, the version signature) and in how long headers are folded.
    /// </summary>
    public static bool SamePatch(string existing, string generated) => Essence(existing) == Essence(generated);

    private static string Essence(string patch)
    {
        var lines = patch.Replace("\r\n", "\n").Split('\n').ToList();
        if (lines.Count > 0 && lines[0].StartsWith("From ", StringComparison.Ordinal))
            lines.RemoveAt(0);

        var bodyStart = lines.IndexOf("");
        if (bodyStart < 0)
            bodyStart = lines.Count;
        var headers = new List<string>();
        foreach (var line in lines.Take(bodyStart))
        {
            if (line.Length > 0 && char.IsWhiteSpace(line[0]) && headers.Count > 0)
                headers[^1] += " " + line.Trim();
            else
                headers.Add(line);
        }
        headers.RemoveAll(header => header.StartsWith("Date: ", StringComparison.Ordinal));

        var body = lines.Skip(bodyStart).ToList();
        TrimBlankEnd(body);
        var signature = body.LastIndexOf("-- ");
        if (signature >= 0 && body.Count - signature <= 2)
            body.RemoveRange(signature, body.Count - signature);
        TrimBlankEnd(body);
        return string.Join('\n', headers.Concat(body));
    }

    private static void TrimBlankEnd(List<string> lines)
    {
        while (lines.Count > 0 && lines[^1].Length == 0)
            lines.RemoveAt(lines.Count - 1);
    }

    /// <summary>The cover letter's own text: after the mail headers, before the shortlog.</summary>
    private static string? CoverText(string cover)
    {
        var lines = cover.Replace("\r\n", "\n").Split('\n');
        var start = Array.IndexOf(lines, "");
        if (start < 0)
            return null;
        var end = Array.FindIndex(lines, start + 1, line => ShortlogHeader().IsMatch(line));
        if (end < 0)
            end = lines.Length;
        return string.Join('\n', lines[(start + 1)..end]).Trim('\n');
    }

    [GeneratedRegex(@"^Subject: \[PATCH[^\]]*\](?<subject>.*(?:\n[ \t].*)*)", RegexOptions.Multiline)]
    private static partial Regex CoverSubject();

    [GeneratedRegex(@"^\S.* \(\d+\):$")]
    private static partial Regex ShortlogHeader();
}
