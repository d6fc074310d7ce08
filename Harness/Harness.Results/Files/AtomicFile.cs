using System.Runtime.InteropServices;
using System.Text;

namespace Harness.Results;

/// <summary>
/// Replaces files so that a reader, or a run that dies mid-write, reads either the
/// old file or the new one: write a temporary file in the same folder, then
/// rename(2) it over the old name.
/// </summary>
internal static partial class AtomicFile
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public static void WriteText(string path, string text) =>
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, Utf8, leaveOpen: true);
            writer.Write(text);
        });

    /// <summary>Writes through <paramref name="write"/> into a temporary file, then renames it to <paramref name="path"/>.</summary>
    public static void Write(string path, Action<Stream> write, UnixFileMode? mode = null)
    {
        var temporary = TemporaryName(path);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024))
            {
                write(stream);
            }
            if (mode is { } unixMode)
                File.SetUnixFileMode(temporary, unixMode);
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/> the same way.</summary>
    public static void Copy(string source, string destination)
    {
        var temporary = TemporaryName(destination);
        try
        {
            File.Copy(source, temporary);
            File.Move(temporary, destination, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>
    /// Points the symlink <paramref name="linkPath"/> at <paramref name="target"/>
    /// (kept relative as given), replacing any link there in one rename(2).
    /// File.Move cannot do this: it refuses a source that is a link to a directory.
    /// </summary>
    public static void ReplaceSymlink(string linkPath, string target)
    {
        var temporary = TemporaryName(linkPath);
        File.CreateSymbolicLink(temporary, target);
        if (Rename(temporary, linkPath) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            TryDelete(temporary);
            throw new IOException(
                $"Failed to replace the symlink '{linkPath}' with one to '{target}': rename(2) returned errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)}).");
        }
    }

    private static string TemporaryName(string path) =>
        Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // A leftover temporary file is harmless; the original error matters more.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Rename(string oldPath, string newPath);
}
