using Harness.Core;
using Harness.Runs;
using Microsoft.Extensions.Logging;

namespace Harness.Cli.Infrastructure;

/// <summary>
/// What one CLI command needs: the cache and checkout paths, logging, the runner
/// for external programs, and the pipeline's stages with progress shown on the console.
/// </summary>
public sealed class Pipeline : IDisposable
{
    private readonly ILoggerFactory _loggerFactory;

    public Pipeline(HarnessSettings settings)
    {
        Paths = HarnessPaths.Discover();
        LoggerProvider = new ConsoleLoggerProvider(settings.Verbose ? LogLevel.Debug : LogLevel.Information);
        _loggerFactory = LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Debug).AddProvider(LoggerProvider));
        Logger = _loggerFactory.CreateLogger("harness");
        Runner = new CommandRunner(Logger);
        Workspace = new Workspace(Paths, Runner, _loggerFactory, new ConsoleStageObserver());
    }

    public HarnessPaths Paths { get; }
    public ConsoleLoggerProvider LoggerProvider { get; }
    public ILogger Logger { get; }
    public CommandRunner Runner { get; }
    public Workspace Workspace { get; }

    public static KernelSelection Selection(KernelSettings settings, int? upTo = null) =>
        new(settings.KernelTree, settings.Force, upTo);

    public void Dispose()
    {
        _loggerFactory.Dispose();
        LoggerProvider.Dispose();
    }

    private sealed class ConsoleStageObserver : IStageObserver
    {
        public Task<T> RunStageAsync<T>(string stage, Func<StageProgress, Task<T>> work) =>
            ConsoleProgress.RunAsync(stage, reporter => work((fraction, activity) => reporter.Report(fraction, activity)));
    }
}
