namespace Harness.Core;

/// <summary>
/// An exclusive lock on a lock file, held by keeping the file open without
/// sharing. Two harness processes that share a cache entry (a work tree, a build
/// directory) take turns instead of corrupting it.
/// </summary>
public sealed class FileLock : IDisposable
{
    private readonly FileStream _stream;

    private FileLock(FileStream stream) => _stream = stream;

    public static async Task<FileLock> AcquireAsync(string path, TimeSpan timeout, Action? onWait = null, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var deadline = DateTime.UtcNow + timeout;
        var waited = false;
        while (true)
        {
            try
            {
                return new FileLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                if (!waited)
                    onWait?.Invoke();
                waited = true;
                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
            }
            catch (IOException e)
            {
                throw new TimeoutException(
                    $"Another harness process has held the lock '{path}' for more than {timeout.TotalMinutes:0} minutes. " +
                    "Wait for it to finish, or end it if it is stuck.", e);
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}
