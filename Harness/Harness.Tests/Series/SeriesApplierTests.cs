using Harness.Core;
using Harness.Series;
using Harness.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Harness.Tests.Series;

[TestFixture]
[CancelAfter(60_000)]
public sealed class SeriesApplierTests
{
    [Test]
    public async Task Apply_makes_one_commit_per_patch()
    {
        using var tree = new FakeKernelTree();
        using var work = new TempDirectory();
        var patches = Directory.CreateDirectory(Path.Combine(work.Path, "patches")).FullName;
        var first = tree.CommitAsPatch(patches, "landlock: Change the first value", "security/landlock/syscalls.c",
            File.ReadAllText(Path.Combine(tree.Path, "security/landlock/syscalls.c")).Replace("value_1 = 1", "value_1 = 100"));
        var second = tree.CommitAsPatch(patches, "landlock: Add a file", "security/landlock/staging.c", "int staged;\n");
        File.WriteAllText(Path.Combine(patches, "series"), $"# apply order\n{first}\n\n{second}\n");
        tree.ResetTo("HEAD~2");

        var (applier, kernelBase) = await PrepareAsync(tree, work);
        var applied = await applier.ApplyAsync(kernelBase, SeriesFile.Read(patches));

        Assert.That(applied.Commits.Select(c => c.Subject), Is.EqualTo(new[] { "landlock: Change the first value", "landlock: Add a file" }));
        Assert.That(applied.Commits.Select(c => c.PatchFile), Is.EqualTo(new[] { first, second }));
        Assert.That(File.Exists(Path.Combine(applied.TreePath, "security/landlock/staging.c")), Is.True);
        Assert.That(applied.Reused, Is.False);
    }

    [Test]
    public async Task Apply_rejects_up_to_past_the_series_end()
    {
        using var tree = new FakeKernelTree();
        using var work = new TempDirectory();
        var patches = Directory.CreateDirectory(Path.Combine(work.Path, "patches")).FullName;
        var patch = tree.CommitAsPatch(patches, "landlock: Add a file", "security/landlock/staging.c", "int staged;\n");
        File.WriteAllText(Path.Combine(patches, "series"), patch + "\n");
        tree.ResetTo("HEAD~1");
        var (applier, kernelBase) = await PrepareAsync(tree, work);

        var error = Assert.ThrowsAsync<SeriesException>(() => applier.ApplyAsync(kernelBase, SeriesFile.Read(patches), upTo: 99));

        Assert.That(error!.Message, Does.StartWith("--up-to 99 is outside the series"));
        Assert.That(error.Message, Does.Contain("lists 1 patches"));
    }

    [Test]
    public async Task Apply_reuses_a_tree_that_has_the_series()
    {
        using var tree = new FakeKernelTree();
        using var work = new TempDirectory();
        var patches = Directory.CreateDirectory(Path.Combine(work.Path, "patches")).FullName;
        var patch = tree.CommitAsPatch(patches, "landlock: Add a file", "security/landlock/staging.c", "int staged;\n");
        File.WriteAllText(Path.Combine(patches, "series"), patch + "\n");
        tree.ResetTo("HEAD~1");
        var (applier, kernelBase) = await PrepareAsync(tree, work);

        var first = await applier.ApplyAsync(kernelBase, SeriesFile.Read(patches));
        var second = await applier.ApplyAsync(kernelBase, SeriesFile.Read(patches));

        Assert.That(second.Reused, Is.True);
        Assert.That(second.Head, Is.EqualTo(first.Head));
    }

    [Test]
    public async Task Apply_gives_identical_commit_ids_on_every_run()
    {
        using var tree = new FakeKernelTree();
        using var work = new TempDirectory();
        var patches = Directory.CreateDirectory(Path.Combine(work.Path, "patches")).FullName;
        var patch = tree.CommitAsPatch(patches, "landlock: Add a file", "security/landlock/staging.c", "int staged;\n");
        File.WriteAllText(Path.Combine(patches, "series"), patch + "\n");
        tree.ResetTo("HEAD~1");
        var (applier, kernelBase) = await PrepareAsync(tree, work);

        var first = await applier.ApplyAsync(kernelBase, SeriesFile.Read(patches));
        var again = await applier.ApplyAsync(kernelBase, SeriesFile.Read(patches), force: true, upTo: 0);
        var second = await applier.ApplyAsync(kernelBase, SeriesFile.Read(patches));

        Assert.That(again.Commits, Is.Empty);
        Assert.That(second.Head, Is.EqualTo(first.Head), "the committer identity and date are fixed, so commit ids must repeat");
    }

    [Test]
    public async Task Failed_patch_names_file_and_hunk()
    {
        using var tree = new FakeKernelTree();
        using var work = new TempDirectory();
        var patches = Directory.CreateDirectory(Path.Combine(work.Path, "patches")).FullName;
        var original = File.ReadAllText(Path.Combine(tree.Path, "security/landlock/syscalls.c"));
        var good = tree.CommitAsPatch(patches, "landlock: Add a file", "security/landlock/staging.c", "int staged;\n");
        var bad = tree.CommitAsPatch(patches, "landlock: Change value 20", "security/landlock/syscalls.c",
            original.Replace("value_20 = 20", "value_20 = 2000"));
        File.WriteAllText(Path.Combine(patches, "series"), $"{good}\n{bad}\n");
        tree.ResetTo("HEAD~2");
        tree.Write("security/landlock/syscalls.c", original.Replace("value_20 = 20", "value_20 = -20"));
        tree.Git("commit", "-q", "-a", "-m", "base moved on");
        var (applier, kernelBase) = await PrepareAsync(tree, work);

        var error = Assert.ThrowsAsync<PatchApplyException>(() => applier.ApplyAsync(kernelBase, SeriesFile.Read(patches)));

        Assert.That(error!.PatchFile, Is.EqualTo(bad));
        Assert.That(error.FailedFile, Is.EqualTo("security/landlock/syscalls.c"));
        Assert.That(error.HunkHeader, Does.StartWith("@@ -17,7 +17,7 @@"));
        Assert.That(error.Message, Does.Contain(bad).And.Contain("security/landlock/syscalls.c").And.Contain("@@ -17,7 +17,7 @@"));
        Assert.That(error.Message, Does.Contain($"after {good}"));
    }

    [Test]
    public async Task Tree_edits_kept_for_same_series()
    {
        using var tree = new FakeKernelTree();
        using var work = new TempDirectory();
        var patches = Directory.CreateDirectory(Path.Combine(work.Path, "patches")).FullName;
        var (applier, kernelBase) = await PrepareAsync(tree, work);
        var applied = await applier.ApplyAsync(kernelBase, SeriesFile.Read(patches));
        var edited = Path.Combine(applied.TreePath, "security/landlock/syscalls.c");
        File.AppendAllText(edited, "int edited;\n");

        var again = await applier.ApplyAsync(kernelBase, SeriesFile.Read(patches));

        Assert.That(again.HasUnexportedChanges, Is.True);
        Assert.That(File.ReadAllText(edited), Does.EndWith("int edited;\n"), "the developer's edit must survive");
    }

    [Test]
    public async Task Tree_edits_block_series_change()
    {
        using var tree = new FakeKernelTree();
        using var work = new TempDirectory();
        var patches = Directory.CreateDirectory(Path.Combine(work.Path, "patches")).FullName;
        var patch = tree.CommitAsPatch(patches, "landlock: Add a file", "security/landlock/staging.c", "int staged;\n");
        tree.ResetTo("HEAD~1");
        var (applier, kernelBase) = await PrepareAsync(tree, work);
        var applied = await applier.ApplyAsync(kernelBase, SeriesFile.Read(patches));
        File.AppendAllText(Path.Combine(applied.TreePath, "security/landlock/syscalls.c"), "int edited;\n");
        File.WriteAllText(Path.Combine(patches, "series"), patch + "\n");

        var error = Assert.ThrowsAsync<SeriesException>(() => applier.ApplyAsync(kernelBase, SeriesFile.Read(patches)));

        Assert.That(error!.Message, Does.Contain("uncommitted changes").And.Contain("series export").And.Contain("--force"));
    }

    [Test]
    public void Series_file_naming_a_missing_patch_is_rejected()
    {
        using var work = new TempDirectory();
        work.Write("patches/series", "0001-exists.patch\n0002-missing.patch\n");
        work.Write("patches/0001-exists.patch", "");

        var error = Assert.Throws<SeriesException>(() => SeriesFile.Read(Path.Combine(work.Path, "patches")));

        Assert.That(error!.Message, Does.Contain("series:2").And.Contain("0002-missing.patch").And.Contain("does not exist"));
    }

    private static async Task<(SeriesApplier, KernelBase)> PrepareAsync(FakeKernelTree tree, TempDirectory work)
    {
        var runner = new CommandRunner();
        var paths = new HarnessPaths(work.Path, Path.Combine(work.Path, "cache"));
        var kernelBase = await new LocalKernelTree(tree.Path, runner).PrepareAsync(null, CancellationToken.None);
        return (new SeriesApplier(paths, runner, NullLogger.Instance), kernelBase);
    }
}
