namespace Harness.Runs;

/// <summary>Reports how far a stage is: a fraction when it is known, and what it is doing.</summary>
public delegate void StageProgress(double? fraction, string activity);

/// <summary>
/// Shows stages as they run. The CLI draws progress bars or plain lines; the VM
/// tests write to NUnit's progress output.
/// </summary>
public interface IStageObserver
{
    Task<T> RunStageAsync<T>(string stage, Func<StageProgress, Task<T>> work);
}

/// <summary>An observer that shows nothing.</summary>
public sealed class SilentStageObserver : IStageObserver
{
    public static readonly SilentStageObserver Instance = new();

    public Task<T> RunStageAsync<T>(string stage, Func<StageProgress, Task<T>> work) => work((_, _) => { });
}
