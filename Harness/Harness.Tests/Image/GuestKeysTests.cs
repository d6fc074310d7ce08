using Harness.Core;
using Harness.Image;
using Harness.Image.Cpio;
using Harness.Tests.Support;
using NUnit.Framework;
using Renci.SshNet;

namespace Harness.Tests.Image;

[TestFixture]
[CancelAfter(60_000)]
public sealed class GuestKeysTests
{
    [Test]
    public async Task Created_keys_load_in_ssh_net()
    {
        using var work = new TempDirectory();

        var keys = await GuestKeys.CreateAsync(Path.Combine(work.Path, "keys"), new CommandRunner());

        Assert.That(keys.ClientPublicKey, Does.StartWith("ssh-ed25519 AAAA"));
        Assert.That(keys.HostPublicKey, Does.Match("^ssh-ed25519 [A-Za-z0-9+/=]+$"), "no comment after the key");
        Assert.That(File.ReadAllText(keys.ClientPrivateKeyPath), Does.StartWith("-----BEGIN OPENSSH PRIVATE KEY-----"));
        using var privateKey = new PrivateKeyFile(keys.ClientPrivateKeyPath);
        Assert.That(privateKey.Key, Is.InstanceOf<Renci.SshNet.Security.ED25519Key>());
        Assert.That(File.GetUnixFileMode(keys.Directory), Is.EqualTo(CpioEntry.Mode700));
    }

    [Test]
    public async Task Host_fingerprint_matches_ssh_keygen()
    {
        using var work = new TempDirectory();
        var keys = await GuestKeys.CreateAsync(Path.Combine(work.Path, "keys"), new CommandRunner());
        var publicKeyFile = work.Write("host.pub", keys.HostPublicKey + "\n");

        var listing = await new CommandRunner().ReadAsync(ExternalCommand.Of("ssh-keygen", "-l", "-f", publicKeyFile));

        Assert.That(listing.Split(' ')[1], Is.EqualTo(keys.HostKeyFingerprint));
    }

    [Test]
    public async Task Creating_again_replaces_keys()
    {
        using var work = new TempDirectory();
        var directory = Path.Combine(work.Path, "keys");

        var first = await GuestKeys.CreateAsync(directory, new CommandRunner());
        var second = await GuestKeys.CreateAsync(directory, new CommandRunner());

        Assert.That(second.ClientPublicKey, Is.Not.EqualTo(first.ClientPublicKey));
        Assert.That(second.HostPublicKey, Is.Not.EqualTo(first.HostPublicKey));
    }

    [Test]
    public async Task Loaded_keys_equal_created_keys()
    {
        using var work = new TempDirectory();
        var directory = Path.Combine(work.Path, "keys");
        var created = await GuestKeys.CreateAsync(directory, new CommandRunner());

        var loaded = await GuestKeys.LoadAsync(directory);

        Assert.That(loaded, Is.EqualTo(created));
    }

    [Test]
    public void Loading_from_empty_directory_names_missing_file()
    {
        using var work = new TempDirectory();

        var error = Assert.ThrowsAsync<FileNotFoundException>(() => GuestKeys.LoadAsync(work.Path));

        Assert.That(error!.Message, Does.Contain(work.Path).And.Contain("GuestKeys.CreateAsync"));
    }

    [Test]
    public async Task Keys_archive_puts_keys_where_init_reads_them()
    {
        using var work = new TempDirectory();
        var keys = await GuestKeys.CreateAsync(Path.Combine(work.Path, "keys"), new CommandRunner());

        var members = NewcReader.Read(await NewcArchiveWriter.ToBytesAsync(keys.ArchiveEntries())).ToDictionary(m => m.Name);

        var authorized = members[GuestLayout.AuthorizedKeysPath.TrimStart('/')];
        Assert.That(authorized.Text, Is.EqualTo(keys.ClientPublicKey + "\n"));
        Assert.That(authorized.Permissions, Is.EqualTo(0x180u), "0600");
        var hostKey = members[GuestLayout.HostKeyPath.TrimStart('/')];
        Assert.That(hostKey.Data, Is.EqualTo(File.ReadAllBytes(keys.HostKeyPath)));
        Assert.That(hostKey.Permissions, Is.EqualTo(0x180u), "0600");
        Assert.That(members["root/.ssh"].Permissions, Is.EqualTo(0x1c0u), "0700");
    }

    [Test]
    public async Task Boot_initrd_is_image_then_aligned_keys_archive()
    {
        using var recipe = new ImageTestRecipe();
        var image = await new GuestImageBuilder(new CommandRunner()).BuildAsync(recipe.Recipe);
        var keys = await GuestKeys.CreateAsync(Path.Combine(recipe.Root, "keys"), new CommandRunner());

        var initrd = await BootInitrd.ComposeAsync(image, keys, Path.Combine(recipe.Root, "boot", "initrd.img"));

        var bytes = File.ReadAllBytes(initrd);
        var imageBytes = File.ReadAllBytes(image.Path);
        var keysOffset = (imageBytes.Length + 3) / 4 * 4;
        Assert.That(bytes.AsSpan(0, imageBytes.Length).SequenceEqual(imageBytes), Is.True, "the image comes first, unchanged");
        Assert.That(bytes.AsSpan(imageBytes.Length, keysOffset - imageBytes.Length).ToArray(), Is.All.EqualTo((byte)0), "zero padding");
        var names = NewcReader.Read(bytes, keysOffset).Select(m => m.Name);
        Assert.That(names, Does.Contain(GuestLayout.AuthorizedKeysPath.TrimStart('/')).And.Contain(GuestLayout.HostKeyPath.TrimStart('/')));
    }
}
