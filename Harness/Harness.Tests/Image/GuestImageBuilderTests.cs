using System.IO.Compression;
using Harness.Core;
using Harness.Image;
using Harness.Image.Cpio;
using NUnit.Framework;

namespace Harness.Tests.Image;

[TestFixture]
[CancelAfter(120_000)]
public sealed class GuestImageBuilderTests
{
    private static GuestImageBuilder NewBuilder() => new(new CommandRunner());

    [Test]
    public async Task Image_has_busybox_dropbear_loader_and_init()
    {
        using var recipe = new ImageTestRecipe();

        var tree = await NewBuilder().ComposeAsync(recipe.Recipe);

        Assert.That(tree.Find("bin/busybox")?.SourcePath, Is.EqualTo("/bin/busybox"));
        Assert.That(tree.Find("bin/sh")?.LinkTarget, Is.EqualTo("/bin/busybox"), "applet link from busybox --list-full");
        Assert.That(tree.Find("sbin/ip")?.LinkTarget, Is.EqualTo("/bin/busybox"));
        Assert.That(tree.Find("usr/sbin/dropbear")?.SourcePath, Is.EqualTo("/usr/sbin/dropbear"));
        Assert.That(tree.Find("lib64/ld-linux-x86-64.so.2")?.Type, Is.EqualTo(CpioEntryType.File), "the loader at its PT_INTERP path");
        Assert.That(tree.Find("lib/x86_64-linux-gnu/libc.so.6")?.Type, Is.EqualTo(CpioEntryType.File));
        Assert.That(tree.Find("lib/x86_64-linux-gnu/libz.so.1")?.Type, Is.EqualTo(CpioEntryType.File));
        Assert.That(tree.Find("init")?.Permissions, Is.EqualTo(CpioEntry.Mode755));
        Assert.That(tree.Find("etc/passwd")?.SourcePath, Does.EndWith("overlay/etc/passwd"));
        Assert.That(tree.Find("dev/console")?.Type, Is.EqualTo(CpioEntryType.CharacterDevice));
        Assert.That(tree.Find("root")?.Permissions, Is.EqualTo(CpioEntry.Mode700), "dropbear rejects a group-writable home");
    }

    [Test]
    public async Task Second_name_for_loader_is_a_link()
    {
        using var recipe = new ImageTestRecipe();

        var tree = await NewBuilder().ComposeAsync(recipe.Recipe);

        // libc needs ld-linux-x86-64.so.2 by name; the bytes are already at the PT_INTERP path.
        Assert.That(tree.Find("lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")?.LinkTarget, Is.EqualTo("/lib64/ld-linux-x86-64.so.2"));
    }

    [Test]
    public async Task Keys_are_not_in_cached_image()
    {
        using var recipe = new ImageTestRecipe();

        var tree = await NewBuilder().ComposeAsync(recipe.Recipe);

        Assert.That(tree.Contains(GuestLayout.HostKeyPath), Is.False);
        Assert.That(tree.Contains(GuestLayout.AuthorizedKeysPath), Is.False);
    }

    [Test]
    public async Task Build_is_cached_until_an_input_changes()
    {
        using var recipe = new ImageTestRecipe();
        var builder = NewBuilder();

        var first = await builder.BuildAsync(recipe.Recipe);
        var second = await builder.BuildAsync(recipe.Recipe);
        File.AppendAllText(Path.Combine(recipe.RecipeDirectory, "init"), "# changed\n");
        var third = await builder.BuildAsync(recipe.Recipe);

        Assert.That(first.Rebuilt, Is.True, "first build");
        Assert.That(second.Rebuilt, Is.False, "unchanged inputs");
        Assert.That(second.Path, Is.EqualTo(first.Path));
        Assert.That(second.Hash, Is.EqualTo(first.Hash));
        Assert.That(third.Rebuilt, Is.True, "changed init script");
        Assert.That(third.Hash, Is.Not.EqualTo(first.Hash));
        Assert.That(Path.GetFileName(third.Path), Is.EqualTo($"initramfs-{third.Hash[..12]}.cpio.gz"));
    }

    [Test]
    public async Task Payload_change_rebuilds_image()
    {
        using var recipe = new ImageTestRecipe();
        var payload = recipe.CreatePayload("payload");
        var withPayload = recipe.Recipe.WithPayload(payload, "/selftests/demo");
        var builder = NewBuilder();

        var first = await builder.BuildAsync(withPayload);
        File.WriteAllText(Path.Combine(payload, "data", "input.txt"), "other data\n");
        var second = await builder.BuildAsync(withPayload);
        File.SetUnixFileMode(Path.Combine(payload, "data", "input.txt"), (UnixFileMode)0x1ed);
        var third = await builder.BuildAsync(withPayload);

        Assert.That(second.Rebuilt, Is.True, "payload content changed");
        Assert.That(third.Rebuilt, Is.True, "payload permissions changed");
        Assert.That(new[] { first.Hash, second.Hash, third.Hash }, Is.Unique);
    }

    [Test]
    public async Task Compressed_image_unpacks_to_the_composed_tree()
    {
        using var recipe = new ImageTestRecipe();
        var builder = NewBuilder();

        var image = await builder.BuildAsync(recipe.Recipe);
        var tree = await builder.ComposeAsync(recipe.Recipe);

        using var gzip = new GZipStream(File.OpenRead(image.Path), CompressionMode.Decompress);
        using var raw = new MemoryStream();
        await gzip.CopyToAsync(raw);
        var members = NewcReader.Read(raw.ToArray());
        Assert.That(members.Select(m => m.Name), Is.EqualTo(tree.Entries.Select(e => e.Path)));
        Assert.That(members.Single(m => m.Name == "init").Data, Is.EqualTo(File.ReadAllBytes(recipe.Recipe.InitScriptPath)));
        Assert.That(image.EntryCount, Is.EqualTo(members.Count));
    }

    [Test]
    public async Task Uncompressed_image_is_a_plain_archive()
    {
        using var recipe = new ImageTestRecipe();

        var image = await NewBuilder().BuildAsync(recipe.Recipe.WithCompression(false));

        Assert.That(image.Path, Does.EndWith(".cpio"));
        Assert.That(NewcReader.Read(File.ReadAllBytes(image.Path)).Any(m => m.Name == "usr/sbin/dropbear"), Is.True);
    }

    [Test]
    public async Task Payload_keeps_modes_and_gets_libraries()
    {
        using var recipe = new ImageTestRecipe();
        var payload = recipe.CreatePayload("payload");
        File.Copy("/usr/bin/ssh-keygen", Path.Combine(payload, "ssh-keygen"));
        File.SetUnixFileMode(Path.Combine(payload, "ssh-keygen"), (UnixFileMode)0x1ed);

        var tree = await NewBuilder().ComposeAsync(recipe.Recipe.WithPayload(payload, "/selftests/demo"));

        Assert.That(tree.Find("selftests/demo/run.sh")?.Permissions, Is.EqualTo(CpioEntry.Mode755));
        Assert.That(tree.Find("selftests/demo/data/input.txt")?.Permissions, Is.EqualTo(File.GetUnixFileMode(Path.Combine(payload, "data", "input.txt"))));
        Assert.That(tree.Find("lib/x86_64-linux-gnu/libcrypto.so.3")?.Type, Is.EqualTo(CpioEntryType.File),
            "ssh-keygen needs OpenSSL's libcrypto, which dropbear does not");
    }

    [Test]
    public async Task Payload_library_under_origin_is_not_copied_twice()
    {
        using var recipe = new ImageTestRecipe();
        await SharedLibraryResolverTests.BuildProgramWithLibraryAsync(recipe.Root);
        var payload = Path.Combine(recipe.Root, "payload");

        var tree = await NewBuilder().ComposeAsync(recipe.Recipe.WithPayload(payload, "/selftests/native"));

        Assert.That(tree.Find("selftests/native/lib/libpayload.so")?.Type, Is.EqualTo(CpioEntryType.File));
        Assert.That(tree.Contains("lib/x86_64-linux-gnu/libpayload.so"), Is.False);
    }

    [Test]
    public async Task Foreign_elf_objects_in_payload_are_skipped()
    {
        using var recipe = new ImageTestRecipe();
        var payload = recipe.CreatePayload("payload");
        var bpfObject = new byte[64];
        "\u007fELF"u8.CopyTo(bpfObject);
        bpfObject[4] = 2;
        bpfObject[5] = 1;
        bpfObject[16] = 1;
        bpfObject[18] = 247;
        File.WriteAllBytes(Path.Combine(payload, "prog.bpf.o"), bpfObject);

        var tree = await NewBuilder().ComposeAsync(recipe.Recipe.WithPayload(payload, "/selftests/bpf"));

        Assert.That(tree.Find("selftests/bpf/prog.bpf.o")?.Type, Is.EqualTo(CpioEntryType.File));
    }

    [Test]
    public void Payload_over_a_system_file_is_rejected()
    {
        using var recipe = new ImageTestRecipe();
        var payload = recipe.CreatePayload("payload");
        File.WriteAllText(Path.Combine(payload, "busybox"), "not busybox\n");

        var error = Assert.ThrowsAsync<InvalidOperationException>(() => NewBuilder().ComposeAsync(recipe.Recipe.WithPayload(payload, "/bin")));

        Assert.That(error!.Message, Does.Contain("'/bin/busybox'").And.Contain(Path.Combine(payload, "busybox")));
    }

    [Test]
    public void Invalid_recipes_name_the_problem()
    {
        using var recipe = new ImageTestRecipe();
        var payload = recipe.CreatePayload("payload");

        Assert.Multiple(() =>
        {
            Assert.That(() => recipe.Recipe.WithBusybox("/nonexistent/busybox").Validate(),
                Throws.ArgumentException.With.Message.Contains("busybox-static"));
            Assert.That(() => recipe.Recipe.WithPayload("/nonexistent/payload", "/selftests/x").Validate(),
                Throws.ArgumentException.With.Message.Contains("'/nonexistent/payload' does not exist"));
            Assert.That(() => recipe.Recipe.WithPayload(payload, "selftests/x").Validate(),
                Throws.ArgumentException.With.Message.Contains("is relative"));
            Assert.That(() => recipe.Recipe.WithPayload(payload, "/selftests/x").WithPayload(payload, "/selftests/x/").Validate(),
                Throws.ArgumentException.With.Message.Contains("Two payloads"));
            Assert.That(() => recipe.Recipe.WithBusybox("/usr/sbin/dropbear").Validate(), Throws.Nothing);
        });
        Assert.That(() => NewBuilder().ComposeAsync(recipe.Recipe.WithBusybox("/usr/sbin/dropbear")),
            Throws.ArgumentException.With.Message.Contains("dynamically linked"));
    }

    [Test]
    public async Task Cache_keeps_most_recent_images()
    {
        using var recipe = new ImageTestRecipe();
        var builder = NewBuilder();
        var keepTwo = recipe.Recipe with { CachedImagesToKeep = 2 };
        var init = Path.Combine(recipe.RecipeDirectory, "init");

        var paths = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            File.AppendAllText(init, $"# variant {i}\n");
            paths.Add((await builder.BuildAsync(keepTwo)).Path);
        }

        var remaining = Directory.GetFiles(recipe.CacheDirectory).Select(Path.GetFileName);
        Assert.That(remaining, Is.EquivalentTo(paths.Skip(1).Select(Path.GetFileName)));
    }
}
