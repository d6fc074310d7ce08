using Harness.Build;
using Harness.Core;
using Harness.Image;
using Harness.Series;
using Harness.Suites.Catalog;
using Microsoft.Extensions.Logging;

namespace Harness.Runs;

/// <summary>A kernel built from the series, with everything needed to boot it and run suites in it.</summary>
public sealed record PreparedKernel(KernelBase Base, AppliedSeries Series, KernelBuild Build);

/// <summary>
/// The stages of the pipeline as steps that `run`, `build`, the VM tests and a
/// bisect all walk: source, series, build, suites, image. Each step is cached in
/// the user's cache directory and cheap when nothing changed.
/// </summary>
public sealed class Workspace(HarnessPaths paths, CommandRunner runner, ILoggerFactory loggerFactory, IStageObserver observer)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("harness");

    public HarnessPaths Paths => paths;

    public CommandRunner Runner => runner;

    public ILogger Logger => _logger;

    public IStageObserver Observer => observer;

    public Task EnsurePrerequisitesAsync(CancellationToken cancellationToken) =>
        new Prerequisites(runner, _logger).EnsureAsync(cancellationToken);

    public IKernelSource KernelSource(KernelSelection selection) => selection.KernelTree is { } tree
        ? new LocalKernelTree(tree, runner)
        : new DebianSourcePackage(paths, runner, _logger);

    public SeriesApplier Applier => new(paths, runner, _logger);

    public Task<KernelBase> PrepareBaseAsync(KernelSelection selection, CancellationToken cancellationToken) =>
        observer.RunStageAsync("source", progress =>
            KernelSource(selection).PrepareAsync(new Progress<string>(s => progress(null, s)), cancellationToken));

    public Task<AppliedSeries> ApplySeriesAsync(KernelBase kernelBase, KernelSelection selection, CancellationToken cancellationToken) =>
        observer.RunStageAsync("series", _ =>
            Applier.ApplyAsync(kernelBase, SeriesFile.Read(paths.KernelPatches), selection.Force, selection.UpTo, cancellationToken));

    /// <summary>
    /// Our fragments, then the kernel options of every suite (kselftest's `config`
    /// beside each in-tree suite, our C suites' `config`), so a test fails for its
    /// own reason and not for a missing option.
    /// </summary>
    public KernelConfigSet LoadConfig(AppliedSeries series)
    {
        var suiteFragments = DiscoverSuites(series)
            .Where(s => s.ConfigFile is not null)
            .Select(s => new ConfigFragment(
                s.Kind == SuiteKind.InTreeKselftest
                    ? Path.GetRelativePath(series.TreePath, s.ConfigFile!)
                    : Path.GetRelativePath(paths.RepositoryRoot, s.ConfigFile!),
                s.ConfigFile!));
        return KernelConfigSet.Load(paths.ConfigFragments, suiteFragments);
    }

    public Task<KernelBuild> BuildKernelAsync(AppliedSeries series, CancellationToken cancellationToken) =>
        observer.RunStageAsync("build", progress =>
            new KernelBuilder(paths, runner, _logger).BuildAsync(series, LoadConfig(series), onProgress: (f, a) => progress(f, a), cancellationToken: cancellationToken));

    /// <summary>The build log of the build directory this series and config use, whether or not a build finished.</summary>
    public string LastBuildLog(AppliedSeries series) =>
        Path.Combine(new KernelBuilder(paths, runner, _logger).BuildDirectoryFor(series.Base, LoadConfig(series)), "build.log");

    /// <summary>Source, series and build in one step, for the commands that need a kernel.</summary>
    public async Task<PreparedKernel> PrepareKernelAsync(KernelSelection selection, CancellationToken cancellationToken)
    {
        var kernelBase = await PrepareBaseAsync(selection, cancellationToken);
        var series = await ApplySeriesAsync(kernelBase, selection, cancellationToken);
        var build = await BuildKernelAsync(series, cancellationToken);
        return new PreparedKernel(kernelBase, series, build);
    }

    public IReadOnlyList<SuiteDefinition> DiscoverSuites(AppliedSeries series) =>
        SuiteCatalog.Discover(paths.RepositoryRoot, series.TreePath);

    /// <summary>
    /// Installs the series' uapi headers without building the kernel: the
    /// suites need only these, so tests can be listed before a long build.
    /// The headers do not depend on the kernel config.
    /// </summary>
    public Task<string> InstallHeadersAsync(AppliedSeries series, CancellationToken cancellationToken) =>
        observer.RunStageAsync("headers", async _ =>
        {
            var directory = Path.Combine(paths.CacheRoot, "headers", $"{series.Base.Id}-{series.SeriesHash[..12]}");
            var include = Path.Combine(directory, "usr", "include");
            var done = Path.Combine(directory, "harness-headers.done");
            if (File.Exists(done))
                return include;
            Directory.CreateDirectory(directory);
            await runner.RunCheckedAsync(
                ExternalCommand.Of("make", "-C", series.TreePath, $"O={directory}", "headers_install")
                    .WithLog(Path.Combine(directory, "headers.log")),
                cancellationToken: cancellationToken);
            File.WriteAllText(done, series.Head + "\n");
            return include;
        });

    /// <summary>Builds <paramref name="suites"/> against uapi headers from <see cref="InstallHeadersAsync"/>.</summary>
    public Task<IReadOnlyList<BuiltSuite>> BuildSuitesAsync(
        AppliedSeries series, string headers, IReadOnlyList<SuiteDefinition> suites, double timeoutScale, CancellationToken cancellationToken) =>
        observer.RunStageAsync<IReadOnlyList<BuiltSuite>>("suites", async progress =>
        {
            var builder = new SuiteBuilder(paths, runner, _logger);
            var built = new List<BuiltSuite>();
            foreach (var (suite, index) in suites.Select((s, i) => (s, i)))
            {
                progress(index / (double)suites.Count, suite.Name);
                built.Add(await builder.BuildAsync(suite, Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(headers)))!,
                    headers, series.TreePath, timeoutScale, cancellationToken));
            }
            return built;
        });

    /// <summary>Builds <paramref name="suites"/> against the kernel build's own uapi headers.</summary>
    public Task<IReadOnlyList<BuiltSuite>> BuildSuitesAsync(
        PreparedKernel kernel, IReadOnlyList<SuiteDefinition> suites, double timeoutScale, CancellationToken cancellationToken) =>
        BuildSuitesAsync(kernel.Series, kernel.Build.HeadersDirectory, suites, timeoutScale, cancellationToken);

    /// <summary>The guest image with every built suite as a payload under /selftests.</summary>
    public Task<GuestImage> BuildImageAsync(IReadOnlyList<BuiltSuite> suites, CancellationToken cancellationToken) =>
        observer.RunStageAsync("image", _ =>
        {
            var recipe = GuestImageRecipe.ForRepository(paths);
            foreach (var suite in suites.DistinctBy(s => s.Definition.GuestDirectory))
                recipe = recipe.WithPayload(suite.HostDirectory, suite.Definition.GuestDirectory);
            return new GuestImageBuilder(runner, logger: _logger).BuildAsync(recipe, cancellationToken);
        });
}
