using System.Diagnostics;
using Harness.Runs;

namespace Harness.VmTests.Support;

/// <summary>Shows pipeline stages on NUnit's progress output, which `dotnet test` prints as it goes.</summary>
public sealed class TestProgressObserver : IStageObserver
{
    public async Task<T> RunStageAsync<T>(string stage, Func<StageProgress, Task<T>> work)
    {
        var clock = Stopwatch.StartNew();
        var lastPrint = Stopwatch.StartNew();
        TestContext.Progress.WriteLine($"harness: {stage} started");
        var result = await work((fraction, activity) =>
        {
            if (lastPrint.Elapsed < TimeSpan.FromSeconds(30))
                return;
            lastPrint.Restart();
            TestContext.Progress.WriteLine(fraction is { } f ? $"harness: {stage} {f:P0} {activity}" : $"harness: {stage}: {activity}");
        });
        TestContext.Progress.WriteLine($"harness: {stage} done in {clock.Elapsed.TotalSeconds:0.0} s");
        return result;
    }
}
