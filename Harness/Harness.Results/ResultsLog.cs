using Microsoft.Extensions.Logging;

namespace Harness.Results;

/// <summary>Log messages of the results stage.</summary>
internal static partial class ResultsLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Recording run {RunId} in '{Folder}'")]
    public static partial void RecordingRun(ILogger logger, string runId, string folder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failed to write '{Path}' (failure {Count} so far); results stay in memory and the next write retries")]
    public static partial void WriteFailed(ILogger logger, Exception exception, string path, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Completed run {RunId}: {Verdict}, {Counts}")]
    public static partial void Completed(ILogger logger, string runId, string verdict, string counts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} ended {Verdict}: {Reason}")]
    public static partial void Aborted(ILogger logger, string runId, string verdict, string reason);
}
