using Microsoft.Extensions.Logging;

namespace Harness.Image;

/// <summary>Every log message of the image stage.</summary>
internal static partial class ImageLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Reusing guest image '{Path}' ({SizeMiB:0.0} MiB, hash {Hash})")]
    public static partial void ReusedImage(this ILogger logger, string path, double sizeMiB, string hash);

    [LoggerMessage(Level = LogLevel.Information, Message = "Building guest image '{Path}' from {EntryCount} entries")]
    public static partial void BuildingImage(this ILogger logger, string path, int entryCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Built guest image '{Path}' ({SizeMiB:0.0} MiB) in {Seconds:0.00} s")]
    public static partial void BuiltImage(this ILogger logger, string path, double sizeMiB, double seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Resolved {LibraryCount} shared libraries for '{Program}'")]
    public static partial void ResolvedLibraries(this ILogger logger, string program, int libraryCount);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Deleted unused guest image '{Path}'")]
    public static partial void DeletedCachedImage(this ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failed to delete unused guest image '{Path}'")]
    public static partial void FailedToDeleteCachedImage(this ILogger logger, string path, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created SSH keys in '{Directory}' (guest host key {Fingerprint})")]
    public static partial void CreatedKeys(this ILogger logger, string directory, string fingerprint);
}
