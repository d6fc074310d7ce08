using Harness.Build;
using Harness.Core;
using Harness.Series;
using Harness.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Harness.Tests.Build;

[TestFixture]
[CancelAfter(120_000)]
public sealed class KernelBuilderTests
{
    [Test]
    public async Task Compile_error_names_file_line_and_patch()
    {
        using var tree = new FakeKernelTree(withBuildSystem: true);
        using var work = new TempDirectory();
        var patches = Directory.CreateDirectory(Path.Combine(work.Path, "kernel-patches")).FullName;
        var original = File.ReadAllText(Path.Combine(tree.Path, "security/landlock/syscalls.c"));
        var patch = tree.CommitAsPatch(patches, "landlock: Break the build", "security/landlock/syscalls.c",
            original.Replace("int value_3 = 3;", "int value_3 = undeclared_symbol;"));
        File.WriteAllText(Path.Combine(patches, "series"), patch + "\n");
        tree.ResetTo("HEAD~1");
        var (builder, applied, config) = await PrepareAsync(tree, work, patches);

        var error = Assert.ThrowsAsync<KernelBuildException>(() => builder.BuildAsync(applied, config));

        var diagnostic = error!.Diagnostics.Single();
        Assert.That(diagnostic.File, Is.EqualTo("security/landlock/syscalls.c"));
        Assert.That(diagnostic.Line, Is.EqualTo(3));
        Assert.That(diagnostic.Message, Does.Contain("undeclared_symbol"));
        Assert.That(diagnostic.PatchFile, Is.EqualTo(patch));
        Assert.That(error.Message, Does.Contain($"security/landlock/syscalls.c:3").And.Contain($"last changed by {patch}"));
    }

    [Test]
    public async Task Fragment_symbol_that_does_not_survive_is_listed()
    {
        using var tree = new FakeKernelTree(withBuildSystem: true);
        tree.Write("security/Kconfig", "config NEEDS_MISSING\n\tbool \"needs something\"\n\tdepends on MISSING_THING\n");
        tree.Git("add", "-A");
        tree.Git("commit", "-q", "-m", "Kconfig");
        using var work = new TempDirectory();
        var patches = Directory.CreateDirectory(Path.Combine(work.Path, "kernel-patches")).FullName;
        work.Write("kernel-patches/config/10-test.config", "# a comment\nCONFIG_NEEDS_MISSING=y\nCONFIG_64BIT=y\n");
        var (builder, applied, config) = await PrepareAsync(tree, work, patches);

        var error = Assert.ThrowsAsync<KernelBuildException>(() => builder.BuildAsync(applied, config));

        Assert.That(error!.Message, Does.Contain("CONFIG_NEEDS_MISSING=y asked by kernel-patches/config/10-test.config:2, but it is not set"));
        Assert.That(error.Message, Does.Contain("depends on: MISSING_THING (security/Kconfig)"));
        Assert.That(error.Message, Does.Not.Contain("CONFIG_64BIT"));
    }

    [Test]
    public async Task Unknown_symbol_is_named_as_unknown()
    {
        using var tree = new FakeKernelTree(withBuildSystem: true);
        using var work = new TempDirectory();
        var patches = Directory.CreateDirectory(Path.Combine(work.Path, "kernel-patches")).FullName;
        work.Write("kernel-patches/config/10-test.config", "CONFIG_NO_SUCH_SYMBOL=y\n");
        var (builder, applied, config) = await PrepareAsync(tree, work, patches);

        var error = Assert.ThrowsAsync<KernelBuildException>(() => builder.BuildAsync(applied, config));

        Assert.That(error!.Message, Does.Contain("CONFIG_NO_SUCH_SYMBOL=y asked by kernel-patches/config/10-test.config:1"));
        Assert.That(error.Message, Does.Contain("no Kconfig file of the tree defines it"));
    }

    [Test]
    public async Task Waived_symbol_does_not_fail_the_build()
    {
        using var tree = new FakeKernelTree(withBuildSystem: true);
        using var work = new TempDirectory();
        var patches = Directory.CreateDirectory(Path.Combine(work.Path, "kernel-patches")).FullName;
        work.Write("kernel-patches/config/10-test.config", "CONFIG_NEEDS_MISSING=y\n");
        work.Write("kernel-patches/config/waived-symbols", "CONFIG_NEEDS_MISSING  no test needs it\n");
        var (builder, applied, config) = await PrepareAsync(tree, work, patches);

        var build = await builder.BuildAsync(applied, config);

        Assert.That(File.Exists(build.KernelImage), Is.True);
    }

    [Test]
    public async Task Second_build_with_nothing_changed_skips_make()
    {
        using var tree = new FakeKernelTree(withBuildSystem: true);
        using var work = new TempDirectory();
        var patches = Directory.CreateDirectory(Path.Combine(work.Path, "kernel-patches")).FullName;
        var (builder, applied, config) = await PrepareAsync(tree, work, patches);

        var first = await builder.BuildAsync(applied, config);
        var second = await builder.BuildAsync(applied, config);

        Assert.That(first.WasUpToDate, Is.False);
        Assert.That(second.WasUpToDate, Is.True);
        Assert.That(second.KernelRelease, Is.EqualTo("7.3.4-fake"));
    }

    private static async Task<(KernelBuilder, AppliedSeries, KernelConfigSet)> PrepareAsync(FakeKernelTree tree, TempDirectory work, string patches)
    {
        var runner = new CommandRunner();
        var paths = new HarnessPaths(work.Path, Path.Combine(work.Path, "cache"));
        var kernelBase = await new LocalKernelTree(tree.Path, runner).PrepareAsync(null, CancellationToken.None);
        var applied = await new SeriesApplier(paths, runner, NullLogger.Instance).ApplyAsync(kernelBase, SeriesFile.Read(patches));
        var config = KernelConfigSet.Load(Path.Combine(patches, "config"), []);
        return (new KernelBuilder(paths, runner, NullLogger.Instance), applied, config);
    }
}
