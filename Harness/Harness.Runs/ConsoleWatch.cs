using System.Collections.Concurrent;
using Harness.Suites.Splats;

namespace Harness.Runs;

/// <summary>
/// Watches a guest's console: finds kernel splats as they are printed and the
/// sync markers the harness writes to /dev/kmsg, so that splats can be matched
/// with the program that was running when the kernel printed them.
/// </summary>
/// <remarks>
/// The console and the SSH channel are separate streams with their own delays,
/// so a splat printed during a program can reach the host after the program's
/// output has ended. A marker written to /dev/kmsg after the program ends, and
/// waited for on the console, puts every earlier splat before it.
/// </remarks>
public sealed class ConsoleWatch
{
    private const string SyncPrefix = "harness-sync-";

    private readonly KernelSplatScanner _scanner;
    private readonly ConcurrentQueue<KernelSplat> _splats = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _markers = new();
    private readonly object _feedGate = new();

    public ConsoleWatch() => _scanner = new KernelSplatScanner(_splats.Enqueue);

    /// <summary>Every splat seen so far, in order.</summary>
    public IReadOnlyList<KernelSplat> All => _splats.ToArray();

    /// <summary>Feeds one console line; safe to call from QEMU's output thread.</summary>
    public void Feed(string line)
    {
        lock (_feedGate)
            _scanner.Feed(line);

        var at = line.IndexOf(SyncPrefix, StringComparison.Ordinal);
        if (at >= 0)
        {
            var marker = line[at..].Trim();
            _markers.GetOrAdd(marker, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    /// <summary>Ends a splat that is still open, e.g. when the guest died in the middle of one.</summary>
    public void Flush()
    {
        lock (_feedGate)
            _scanner.Flush();
    }

    /// <summary>A new marker name; write it to /dev/kmsg in the guest, then wait for it with <see cref="WaitForMarkerAsync"/>.</summary>
    public static string NewMarker() => SyncPrefix + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Waits until the console has shown <paramref name="marker"/>; false when the deadline passed first.</summary>
    public async Task<bool> WaitForMarkerAsync(string marker, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var seen = _markers.GetOrAdd(marker, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var finished = await Task.WhenAny(seen.Task, Task.Delay(timeout, cancellationToken));
        return finished == seen.Task;
    }
}
