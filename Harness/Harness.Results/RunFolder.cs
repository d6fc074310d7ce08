namespace Harness.Results;

/// <summary>Logs kept with a run's results.</summary>
public enum ArtifactKind
{
    /// <summary>The guest's serial console, console.log.</summary>
    ConsoleLog,

    /// <summary>The guest's kernel log read at the end of the run, dmesg.log.</summary>
    Dmesg,

    /// <summary>Output of the kernel build, build.log.</summary>
    BuildLog,
}

/// <summary>The folder <c>results/&lt;run-id&gt;/</c> and the names of the files in it.</summary>
public sealed class RunFolder
{
    public const string ResultsJsonName = "results.json";
    public const string JUnitName = "junit.xml";
    public const string ReportName = "report.html";
    public const string SummaryName = "summary.md";
    public const string ReproduceName = "reproduce.sh";

    public RunFolder(string resultsRoot, string runId)
    {
        ResultsRoot = System.IO.Path.GetFullPath(resultsRoot);
        RunId = runId;
        Path = System.IO.Path.Combine(ResultsRoot, runId);
    }

    public string ResultsRoot { get; }
    public string RunId { get; }
    public string Path { get; }

    public string ResultsJson => File(ResultsJsonName);
    public string JUnitXml => File(JUnitName);
    public string Report => File(ReportName);
    public string Summary => File(SummaryName);
    public string ReproduceScript => File(ReproduceName);

    /// <summary>
    /// Returns where an artifact lives in the run folder. A caller that writes a log
    /// as it grows (the serial console) can write it here directly. Each rewrite of
    /// results.json lists the artifacts that exist at that moment.
    /// </summary>
    public string PathFor(ArtifactKind kind) => File(FileName(kind));

    public static string FileName(ArtifactKind kind) => kind switch
    {
        ArtifactKind.ConsoleLog => "console.log",
        ArtifactKind.Dmesg => "dmesg.log",
        ArtifactKind.BuildLog => "build.log",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown artifact kind."),
    };

    /// <summary>Name used in results.json: console-log, dmesg, build-log.</summary>
    public static string Key(ArtifactKind kind) => kind switch
    {
        ArtifactKind.ConsoleLog => "console-log",
        ArtifactKind.Dmesg => "dmesg",
        ArtifactKind.BuildLog => "build-log",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown artifact kind."),
    };

    private string File(string name) => System.IO.Path.Combine(Path, name);
}
