using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Harness.Core;
using Harness.Series;

namespace Harness.Runs.Bisect;

/// <summary>
/// The bisect's own record: bisect.md for a person and bisect.json for a
/// program, both rewritten after every step so that a bisect that dies or is
/// stopped keeps every step it finished.
/// </summary>
internal sealed class BisectLog
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private readonly SeriesFile _series;
    private readonly BisectOptions _options;
    private readonly List<BisectStep> _steps = [];
    private BisectResult? _result;
    private string? _stopped;

    public BisectLog(string folder, SeriesFile series, BisectOptions options)
    {
        Folder = Directory.CreateDirectory(folder).FullName;
        _series = series;
        _options = options;
        Write();
    }

    public string Folder { get; }

    public void Add(BisectStep step)
    {
        _steps.Add(step);
        Write();
    }

    public void Finish(BisectResult result)
    {
        _result = result;
        Write();
    }

    /// <summary>Records that the bisect ended before a conclusion, and why.</summary>
    public void Stop(string reason)
    {
        _stopped = reason;
        Write();
    }

    private void Write()
    {
        var document = new
        {
            Schema = "harness-bisect/1",
            Series = _series.PatchFiles,
            _options.Run.Suites,
            _options.Run.Filter,
            Conclusion = _result?.Conclusion,
            Stopped = _stopped,
            FirstBadPatch = _result is { Conclusion: BisectConclusion.Found } found ? _series.PatchFiles[found.FirstBad - 1] : null,
            LastGood = _result?.LastGood,
            FirstBad = _result?.FirstBad,
            Reason = _result?.Reason,
            Steps = _steps,
        };
        AtomicText.Write(Path.Combine(Folder, "bisect.json"), JsonSerializer.Serialize(document, JsonOptions) + "\n");
        AtomicText.Write(Path.Combine(Folder, "bisect.md"), Markdown());
    }

    private string Markdown()
    {
        var text = new StringBuilder();
        text.Append("# Bisect: ");
        text.Append(_result switch
        {
            null when _stopped is not null => $"{_stopped} after {_steps.Count} steps",
            null => "running",
            { Conclusion: BisectConclusion.Found } found => $"first bad patch is {found.FirstBad}, {_series.PatchFiles[found.FirstBad - 1]}",
            var other => other.Reason,
        }).Append("\n\n");
        text.Append("Suites: ").Append(_options.Run.Suites.Count == 0 ? "all" : string.Join(", ", _options.Run.Suites))
            .Append(". Filter: ").Append(_options.Run.Filter is { } filter ? $"`{filter}`" : "none").Append(".\n\n");
        if (_result is not null)
            text.Append(_result.Reason).Append("\n\n");
        text.Append("| Step | Patches | Verdict | Detail | Run folder |\n| ---: | --- | --- | --- | --- |\n");
        for (var i = 0; i < _steps.Count; i++)
        {
            var step = _steps[i];
            text.Append("| ").Append(i + 1)
                .Append(" | ").Append(SeriesBisect.Describe(_series, step.UpTo))
                .Append(" | ").Append(step.Verdict.ToString().ToLowerInvariant())
                .Append(" | ").Append(step.Detail.Replace("|", "\\|", StringComparison.Ordinal))
                .Append(" | ").Append(step.RunFolder ?? "")
                .Append(" |\n");
        }
        return text.ToString();
    }
}
