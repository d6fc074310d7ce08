using LandlockSelftests.Framework;
using LandlockSelftests.Native;

namespace LandlockSelftests.Tests;

/// <summary>
/// A fresh directory with two readable files, allowed/file and denied/file,
/// for rules that allow one and not the other. Removed on dispose.
/// </summary>
internal sealed class TempTree : IDisposable
{
    public TempTree()
    {
        Root = Sys.MakeTemporaryDirectory("landlock-cs");
        AllowedDir = Path.Combine(Root, "allowed");
        DeniedDir = Path.Combine(Root, "denied");
        AllowedFile = Path.Combine(AllowedDir, "file");
        DeniedFile = Path.Combine(DeniedDir, "file");
        Directory.CreateDirectory(AllowedDir);
        Directory.CreateDirectory(DeniedDir);
        File.WriteAllText(AllowedFile, "allowed\n");
        File.WriteAllText(DeniedFile, "denied\n");
    }

    public string Root { get; }

    public string AllowedDir { get; }

    public string DeniedDir { get; }

    public string AllowedFile { get; }

    public string DeniedFile { get; }

    /// <summary>Writes a file under <see cref="Root"/> with the given mode and returns its path.</summary>
    public string AddFile(string name, string content, uint mode)
    {
        var path = Path.Combine(Root, name);
        File.WriteAllText(path, content);
        Assert.Succeeds(Sys.Chmod(path, mode));
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The verdict is already known; a leftover directory in the
            // guest's /tmp must not change it.
            Test.Log($"could not remove {Root}: {exception.Message}");
        }
    }
}
