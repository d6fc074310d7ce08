using Harness.Build;
using Harness.Core;
using Harness.Series;
using Microsoft.Extensions.Logging;

namespace Harness.Cli.Infrastructure;

/// <summary>
/// The stages wired together for one command: paths, logging and the runner for
/// external programs, plus the steps every command that needs a kernel repeats.
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
    }

    public HarnessPaths Paths { get; }
    public ConsoleLoggerProvider LoggerProvider { get; }
    public ILogger Logger { get; }
    public CommandRunner Runner { get; }

    public ILogger CreateLogger(string category) => _loggerFactory.CreateLogger(category);

    public Task EnsurePrerequisitesAsync(CancellationToken cancellationToken) =>
        new Prerequisites(Runner, Logger).EnsureAsync(cancellationToken);

    public IKernelSource KernelSource(KernelSettings settings) => settings.KernelTree is { } tree
        ? new LocalKernelTree(tree, Runner)
        : new DebianSourcePackage(Paths, Runner, Logger);

    public Task<KernelBase> PrepareBaseAsync(KernelSettings settings, CancellationToken cancellationToken) =>
        StageProgress.RunAsync("source", reporter =>
            KernelSource(settings).PrepareAsync(new Progress<string>(s => reporter.Report(null, s)), cancellationToken));

    public SeriesApplier Applier => new(Paths, Runner, Logger);

    public Task<AppliedSeries> ApplySeriesAsync(KernelBase kernelBase, KernelSettings settings, int? upTo, CancellationToken cancellationToken) =>
        StageProgress.RunAsync("series", _ =>
            Applier.ApplyAsync(kernelBase, SeriesFile.Read(Paths.KernelPatches), settings.Force, upTo, cancellationToken));

    /// <summary>
    /// The config: our fragments, then each suite's kernel options (kselftest's
    /// `config` file of the in-tree Landlock suite, and our C suites' ones), so a
    /// test fails for its own reason and not for a missing option.
    /// </summary>
    public KernelConfigSet LoadConfig(AppliedSeries series)
    {
        var suiteFragments = new List<ConfigFragment>();
        var inTree = Path.Combine(series.TreePath, "tools", "testing", "selftests", "landlock", "config");
        if (File.Exists(inTree))
            suiteFragments.Add(new ConfigFragment("tools/testing/selftests/landlock/config", inTree));
        var cSuites = Path.Combine(Paths.Selftests, "c");
        if (Directory.Exists(cSuites))
        {
            foreach (var config in Directory.GetFiles(cSuites, "config", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                suiteFragments.Add(new ConfigFragment(Path.GetRelativePath(Paths.RepositoryRoot, config), config));
        }
        return KernelConfigSet.Load(Paths.ConfigFragments, suiteFragments);
    }

    public Task<KernelBuild> BuildKernelAsync(AppliedSeries series, CancellationToken cancellationToken) =>
        StageProgress.RunAsync("build", reporter =>
            new KernelBuilder(Paths, Runner, Logger).BuildAsync(series, LoadConfig(series), onProgress: reporter.Report, cancellationToken: cancellationToken));

    public void Dispose()
    {
        _loggerFactory.Dispose();
        LoggerProvider.Dispose();
    }
}
