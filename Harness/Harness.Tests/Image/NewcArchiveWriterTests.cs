using Harness.Core;
using Harness.Image.Cpio;
using Harness.Tests.Support;
using NUnit.Framework;

namespace Harness.Tests.Image;

[TestFixture]
[CancelAfter(30_000)]
public sealed class NewcArchiveWriterTests
{
    private static CpioEntry[] SampleEntries() =>
    [
        CpioEntry.FromText("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
        CpioEntry.Directory("etc"),
        CpioEntry.SymbolicLink("bin/sh", "/bin/busybox"),
        CpioEntry.Directory("bin"),
        CpioEntry.FromBytes("bin/tool", [1, 2, 3, 4, 5], CpioEntry.Mode755),
        CpioEntry.CharacterDevice("dev/console", 5, 1, CpioEntry.Mode600),
        CpioEntry.Directory("dev"),
    ];

    [Test]
    public async Task Entries_are_sorted_with_directories_first()
    {
        var bytes = await NewcArchiveWriter.ToBytesAsync(SampleEntries());

        var names = NewcReader.Read(bytes).Select(m => m.Name).ToList();

        Assert.That(names, Is.EqualTo(new[] { "bin", "bin/sh", "bin/tool", "dev", "dev/console", "etc", "etc/passwd" }));
    }

    [Test]
    public async Task Header_fields_are_fixed_for_reproducibility()
    {
        var bytes = await NewcArchiveWriter.ToBytesAsync(SampleEntries());

        var members = NewcReader.Read(bytes);

        Assert.That(members.Select(m => m.Mtime), Is.All.EqualTo(0u), "mtime");
        Assert.That(members.Select(m => m.Uid), Is.All.EqualTo(0u), "uid");
        Assert.That(members.Select(m => m.Gid), Is.All.EqualTo(0u), "gid");
        Assert.That(members.Select(m => m.Inode), Is.EqualTo(Enumerable.Range(1, members.Count).Select(i => (uint)i)), "inodes");
    }

    [Test]
    public async Task Types_modes_and_contents_round_trip()
    {
        var bytes = await NewcArchiveWriter.ToBytesAsync(SampleEntries());

        var members = NewcReader.Read(bytes).ToDictionary(m => m.Name);

        Assert.That(members["bin"].Type, Is.EqualTo(0x4000u), "directory type");
        Assert.That(members["bin/tool"].Type, Is.EqualTo(0x8000u), "file type");
        Assert.That(members["bin/tool"].Permissions, Is.EqualTo(0x1edu), "file mode 0755");
        Assert.That(members["bin/tool"].Data, Is.EqualTo(new byte[] { 1, 2, 3, 4, 5 }));
        Assert.That(members["bin/sh"].Type, Is.EqualTo(0xa000u), "symlink type");
        Assert.That(members["bin/sh"].Text, Is.EqualTo("/bin/busybox"));
        Assert.That(members["dev/console"].Type, Is.EqualTo(0x2000u), "character device type");
        Assert.That((members["dev/console"].RdevMajor, members["dev/console"].RdevMinor), Is.EqualTo((5u, 1u)));
        Assert.That(members["etc/passwd"].Permissions, Is.EqualTo(0x1a4u), "file mode 0644");
    }

    [Test]
    public async Task Same_entries_give_identical_bytes()
    {
        var first = await NewcArchiveWriter.ToBytesAsync(SampleEntries());
        var second = await NewcArchiveWriter.ToBytesAsync(SampleEntries().Reverse());

        Assert.That(second, Is.EqualTo(first));
    }

    [Test]
    public async Task Host_cpio_lists_and_extracts_archive()
    {
        using var work = new TempDirectory();
        var archive = Path.Combine(work.Path, "test.cpio");
        var entries = SampleEntries().Where(e => e.Type != CpioEntryType.CharacterDevice);
        await File.WriteAllBytesAsync(archive, await NewcArchiveWriter.ToBytesAsync(entries));
        var extractTo = Directory.CreateDirectory(Path.Combine(work.Path, "out")).FullName;

        var listing = await new CommandRunner().ReadAsync(ExternalCommand.Of("sh", "-c", $"cpio -it --quiet < {ShellQuoting.Quote(archive)}"));
        await new CommandRunner().RunCheckedAsync(
            ExternalCommand.Of("sh", "-c", $"cpio -idm --quiet < {ShellQuoting.Quote(archive)}").In(extractTo));

        Assert.That(listing.Split('\n'), Is.EqualTo(new[] { "bin", "bin/sh", "bin/tool", "dev", "etc", "etc/passwd" }));
        Assert.That(File.ReadAllText(Path.Combine(extractTo, "etc/passwd")), Is.EqualTo("root:x:0:0:root:/root:/bin/sh\n"));
        Assert.That(new FileInfo(Path.Combine(extractTo, "bin/sh")).LinkTarget, Is.EqualTo("/bin/busybox"));
        Assert.That(File.GetUnixFileMode(Path.Combine(extractTo, "bin/tool")), Is.EqualTo(CpioEntry.Mode755));
    }

    [Test]
    public void Duplicate_paths_are_rejected()
    {
        CpioEntry[] entries = [CpioEntry.FromText("etc/a", "1"), CpioEntry.FromText("/etc//a", "2")];

        var error = Assert.ThrowsAsync<ArgumentException>(() => NewcArchiveWriter.ToBytesAsync(entries));

        Assert.That(error!.Message, Does.Contain("'etc/a'"));
    }

    [Test]
    public void File_that_changes_size_is_reported()
    {
        using var work = new TempDirectory();
        var source = work.Write("grows", "abc");
        var entry = CpioEntry.FromHostFile("grows", source, CpioEntry.Mode644);
        using var output = new GrowingSourceStream(source);

        var error = Assert.ThrowsAsync<IOException>(() => NewcArchiveWriter.WriteAsync(output, [entry]));

        Assert.That(error!.Message, Does.Contain(source).And.Contain("changed size"));
    }

    [TestCase("/")]
    [TestCase("")]
    [TestCase("a/../b")]
    [TestCase("./a")]
    public void Invalid_guest_paths_are_rejected(string path)
    {
        Assert.Throws<ArgumentException>(() => CpioEntry.NormalizePath(path));
    }

    /// <summary>A sink that appends to the archived file once the header is written, as a file written concurrently would.</summary>
    private sealed class GrowingSourceStream(string source) : MemoryStream
    {
        private bool _grown;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_grown && Length > 0)
            {
                _grown = true;
                File.AppendAllText(source, "more bytes");
            }
            return base.WriteAsync(buffer, cancellationToken);
        }
    }
}
