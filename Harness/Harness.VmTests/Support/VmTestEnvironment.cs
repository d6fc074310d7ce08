using Harness.Core;
using Harness.Image;
using Harness.Runs;
using Harness.Suites.Catalog;
using Harness.Vm;
using Microsoft.Extensions.Logging;

namespace Harness.VmTests.Support;

/// <summary>
/// The real pipeline, walked once per test process: the Debian base with the
/// series, the kernel built from kernel-patches/config, every suite built, and the
/// guest image. Every VM test boots guests from it. Building it installs what is
/// missing (as './harness test' does); when that is impossible the calling test
/// fails with the reason.
/// </summary>
public sealed class VmTestEnvironment
{
    private static readonly Lazy<Task<VmTestEnvironment>> Shared = new(PrepareAsync);

    private VmTestEnvironment(Workspace workspace, PreparedKernel kernel, IReadOnlyList<BuiltSuite> suites, GuestImage image, ILoggerFactory loggers)
    {
        Workspace = workspace;
        Kernel = kernel;
        Suites = suites;
        Image = image;
        Loggers = loggers;
    }

    public Workspace Workspace { get; }

    public PreparedKernel Kernel { get; }

    public IReadOnlyList<BuiltSuite> Suites { get; }

    public GuestImage Image { get; }

    public ILoggerFactory Loggers { get; }

    /// <summary>Under TCG every program gets this many times its usual timeout.</summary>
    public const double TimeoutScale = 4;

    public static async Task<VmTestEnvironment> GetAsync()
    {
        try
        {
            return await Shared.Value;
        }
        catch (Exception e) when (e is not NUnit.Framework.Internal.NUnitException and not AssertionException)
        {
            Assert.Fail($"The kernel and guest image for the VM tests could not be prepared: {e.Message}");
            throw;
        }
    }

    public BuiltSuite Suite(string name) =>
        Suites.FirstOrDefault(s => s.Definition.Name == name)
        ?? throw new AssertionException($"No suite named '{name}' was built; the suites are {string.Join(", ", Suites.Select(s => s.Definition.Name))}.");

    /// <summary>Boots a guest from the shared kernel and image, with fresh keys and its own work directory.</summary>
    public async Task<(GuestVm Vm, ConsoleWatch Console)> BootAsync(string name, GuestImage? image = null, CancellationToken cancellationToken = default)
    {
        var directory = Directory.CreateTempSubdirectory($"harness-vmtest-{name}-").FullName;
        var keys = await GuestKeys.CreateAsync(Path.Combine(directory, "keys"), Workspace.Runner, cancellationToken: cancellationToken);
        var initrd = await BootInitrd.ComposeAsync(image ?? Image, keys, Path.Combine(directory, "initrd.img"), cancellationToken);
        var console = new ConsoleWatch();
        var options = new VmOptions(Kernel.Build.KernelImage, initrd, keys)
        {
            Name = name,
            WorkDirectory = directory,
            MemoryMiB = 2048,
            BootTimeout = TimeSpan.FromSeconds(120),
            OnConsoleLine = console.Feed,
        };
        var vm = await GuestVm.StartAsync(options, Loggers.CreateLogger(name), cancellationToken);
        TestContext.Progress.WriteLine($"harness: {name} booted ({vm.Boot.Accelerator}) in {vm.Boot.TimeToSsh.TotalSeconds:0.0} s, console log '{vm.Boot.ConsoleLog}'");
        return (vm, console);
    }

    private static async Task<VmTestEnvironment> PrepareAsync()
    {
        var paths = HarnessPaths.Discover(TestContext.CurrentContext.TestDirectory);
        var loggers = LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Information).AddProvider(new ProgressLoggerProvider()));
        var logger = loggers.CreateLogger("harness");
        var workspace = new Workspace(paths, new CommandRunner(logger), loggers, new TestProgressObserver());

        await workspace.EnsurePrerequisitesAsync(CancellationToken.None);
        var kernel = await workspace.PrepareKernelAsync(new KernelSelection(), CancellationToken.None);
        // The same headers and suite builds as the listing at discovery, so the
        // programs that run are the ones whose tests became cases.
        var headers = await workspace.InstallHeadersAsync(kernel.Series, CancellationToken.None);
        var suites = await workspace.BuildSuitesAsync(kernel.Series, headers, workspace.DiscoverSuites(kernel.Series), TimeoutScale, CancellationToken.None);
        var image = await workspace.BuildImageAsync(suites, CancellationToken.None);
        return new VmTestEnvironment(workspace, kernel, suites, image, loggers);
    }

    /// <summary>Sends harness log messages to NUnit's progress output.</summary>
    private sealed class ProgressLoggerProvider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ProgressLogger();

        public void Dispose()
        {
        }

        private sealed class ProgressLogger : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                    TestContext.Progress.WriteLine("harness: " + formatter(state, exception));
            }
        }
    }
}
