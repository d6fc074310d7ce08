using Harness.Core;
using Harness.Series;
using Harness.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Harness.Tests.Series;

[TestFixture]
[CancelAfter(60_000)]
public sealed class SeriesExporterTests
{
    [Test]
    public async Task Export_rewrites_only_the_patch_whose_commit_changed()
    {
        using var tree = new FakeKernelTree();
        using var work = new TempDirectory();
        var patches = Directory.CreateDirectory(Path.Combine(work.Path, "patches")).FullName;
        var first = tree.CommitAsPatch(patches, "landlock: Add a first file", "security/landlock/first.c", "int first;\n");
        var second = tree.CommitAsPatch(patches, "landlock: Add a second file", "security/landlock/second.c", "int second;\n");
        File.WriteAllText(Path.Combine(patches, "series"), $"{first}\n{second}\n");
        tree.ResetTo("HEAD~2");
        var runner = new CommandRunner();
        var paths = new HarnessPaths(work.Path, Path.Combine(work.Path, "cache"));
        var kernelBase = await new LocalKernelTree(tree.Path, runner).PrepareAsync(null, CancellationToken.None);
        var applier = new SeriesApplier(paths, runner, NullLogger.Instance);
        var exporter = new SeriesExporter(applier, runner, NullLogger.Instance);
        var applied = await applier.ApplyAsync(kernelBase, SeriesFile.Read(patches));
        // The helper names each patch 0001-…; the first export numbers them.
        await exporter.ExportAsync(kernelBase, patches, CancellationToken.None);
        (first, second) = (File.ReadAllLines(Path.Combine(patches, "series"))[0], File.ReadAllLines(Path.Combine(patches, "series"))[1]);
        var firstBefore = File.ReadAllText(Path.Combine(patches, first));

        await exporter.ExportAsync(kernelBase, patches, CancellationToken.None);
        var firstAfterNoChange = File.ReadAllText(Path.Combine(patches, first));
        var secondAfterNoChange = File.ReadAllText(Path.Combine(patches, second));

        File.WriteAllText(Path.Combine(applied.TreePath, "security/landlock/second.c"), "int second = 2;\n");
        await runner.RunCheckedAsync(ExternalCommand.Of("git", "commit", "-q", "-a", "--amend", "--no-edit").In(applied.TreePath));
        await exporter.ExportAsync(kernelBase, patches, CancellationToken.None);

        Assert.That(firstAfterNoChange, Is.EqualTo(firstBefore), "an export with nothing changed leaves the files as they were");
        Assert.That(File.ReadAllText(Path.Combine(patches, first)), Is.EqualTo(firstBefore), "the unchanged commit keeps its file");
        Assert.That(File.ReadAllText(Path.Combine(patches, second)), Is.Not.EqualTo(secondAfterNoChange).And.Contain("+int second = 2;"));
        Assert.That(File.ReadAllLines(Path.Combine(patches, "series")), Is.EqualTo(new[] { first, second }));
    }

    [Test]
    public void Same_patch_ignores_what_format_patch_fills_in()
    {
        const string existing = "From 223b1e7b37c1d49b6fa79ce484f9a3c6ef3c6a48 Mon Sep 17 00:00:00 2001\nFrom: A <a@example.org>\nDate: Fri, 4 Dec 2026 21:01:52 +0000\nSubject: [PATCH 0/2] A subject that is long enough\n to be folded\n\nText.\n\n-- \n2.39.5\n\n";
        const string generated = "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\nFrom: A <a@example.org>\nDate: Fri, 4 Dec 2026 22:32:36 +0000\nSubject: [PATCH 0/2] A subject that is long enough to be folded\n\nText.\n";

        Assert.That(SeriesExporter.SamePatch(existing, generated), Is.True);
        Assert.That(SeriesExporter.SamePatch(existing, generated.Replace("Text.", "Other text.")), Is.False);
    }
}
