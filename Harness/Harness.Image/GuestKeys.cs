using System.Security.Cryptography;
using Harness.Core;
using Harness.Image.Cpio;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Harness.Image;

/// <summary>
/// The SSH keys of one run: an ed25519 client key pair that the guest's root
/// accepts, and an ed25519 host key for dropbear whose public half the host
/// pins. Both are made fresh per run and reach the guest in a small archive of
/// their own, appended to the cached image at boot (see <see cref="BootInitrd"/>).
/// </summary>
/// <param name="ClientPrivateKeyPath">OpenSSH-format private key, which SSH.NET reads.</param>
/// <param name="ClientPublicKey">The <c>authorized_keys</c> line for the client key.</param>
/// <param name="HostKeyPath">Dropbear-format host private key, copied into the guest.</param>
/// <param name="HostPublicKey">The host key as <c>ssh-ed25519 BASE64</c>, without a comment.</param>
public sealed record GuestKeys(
    string Directory,
    string ClientPrivateKeyPath,
    string ClientPublicKey,
    string HostKeyPath,
    string HostPublicKey)
{
    private const string ClientKeyName = "client_ed25519";
    private const string HostKeyName = "host_ed25519.dropbear";
    private const string HostPublicKeyName = "host_ed25519.pub";

    /// <summary>The host key's SSH wire-format blob, the bytes a server sends during key exchange.</summary>
    public byte[] HostKeyBlob => Convert.FromBase64String(HostPublicKey.Split(' ')[1]);

    /// <summary>The host key fingerprint as OpenSSH prints it: <c>SHA256:</c> and unpadded base64.</summary>
    public string HostKeyFingerprint => FingerprintOf(HostKeyBlob);

    /// <summary>Formats a key blob's fingerprint the way OpenSSH and dropbear print it.</summary>
    public static string FingerprintOf(byte[] keyBlob) =>
        "SHA256:" + Convert.ToBase64String(SHA256.HashData(keyBlob)).TrimEnd('=');

    /// <summary>
    /// Creates a new client key pair (ssh-keygen) and dropbear host key (dropbearkey)
    /// in <paramref name="directory"/>, replacing keys an earlier run left there.
    /// </summary>
    public static async Task<GuestKeys> CreateAsync(
        string directory, CommandRunner runner, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        System.IO.Directory.CreateDirectory(directory);
        File.SetUnixFileMode(directory, CpioEntry.Mode700);

        var clientKey = Path.Combine(directory, ClientKeyName);
        var hostKey = Path.Combine(directory, HostKeyName);

        // Both tools refuse to overwrite a key, so earlier keys go first.
        foreach (var stale in new[] { clientKey, clientKey + ".pub", hostKey, Path.Combine(directory, HostPublicKeyName) })
            File.Delete(stale);

        await runner.RunCheckedAsync(
            ExternalCommand.Of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "harness-client", "-f", clientKey),
            nextStep: "Install openssh-client (apt-get install openssh-client).",
            cancellationToken: cancellationToken);

        await runner.RunCheckedAsync(
            ExternalCommand.Of("dropbearkey", "-t", "ed25519", "-f", hostKey),
            nextStep: "Install dropbear-bin (apt-get install dropbear-bin).",
            cancellationToken: cancellationToken);

        var hostPublic = await runner.ReadAsync(ExternalCommand.Of("dropbearkey", "-y", "-f", hostKey), cancellationToken);
        var hostPublicKey = ParsePublicKeyLine(hostPublic, hostKey);
        await File.WriteAllTextAsync(Path.Combine(directory, HostPublicKeyName), hostPublicKey + "\n", cancellationToken);

        var keys = await LoadAsync(directory, cancellationToken);
        (logger ?? NullLogger.Instance).CreatedKeys(directory, keys.HostKeyFingerprint);
        return keys;
    }

    /// <summary>Loads keys that <see cref="CreateAsync"/> made earlier in <paramref name="directory"/>.</summary>
    /// <exception cref="FileNotFoundException">A key file is missing.</exception>
    public static async Task<GuestKeys> LoadAsync(string directory, CancellationToken cancellationToken = default)
    {
        var clientKey = Path.Combine(directory, ClientKeyName);
        var hostKey = Path.Combine(directory, HostKeyName);
        foreach (var path in new[] { clientKey, clientKey + ".pub", hostKey, Path.Combine(directory, HostPublicKeyName) })
        {
            if (!File.Exists(path))
                throw new FileNotFoundException($"The key file '{path}' is missing; create the keys again with GuestKeys.CreateAsync.", path);
        }

        var clientPublic = (await File.ReadAllTextAsync(clientKey + ".pub", cancellationToken)).Trim();
        var hostPublic = ParsePublicKeyLine(await File.ReadAllTextAsync(Path.Combine(directory, HostPublicKeyName), cancellationToken), hostKey);
        return new GuestKeys(directory, clientKey, clientPublic, hostKey, hostPublic);
    }

    /// <summary>The entries of the per-run archive: root's authorized_keys and dropbear's host key.</summary>
    public IReadOnlyList<CpioEntry> ArchiveEntries() =>
    [
        CpioEntry.Directory("root", CpioEntry.Mode700),
        CpioEntry.Directory("root/.ssh", CpioEntry.Mode700),
        CpioEntry.FromText(GuestLayout.AuthorizedKeysPath, ClientPublicKey + "\n", CpioEntry.Mode600),
        CpioEntry.Directory("etc"),
        CpioEntry.Directory("etc/dropbear"),
        CpioEntry.FromBytes(GuestLayout.HostKeyPath, File.ReadAllBytes(HostKeyPath), CpioEntry.Mode600),
    ];

    /// <summary>Finds the <c>ssh-ed25519 BASE64</c> part in dropbearkey's or ssh-keygen's output.</summary>
    private static string ParsePublicKeyLine(string output, string keyPath)
    {
        foreach (var line in output.Split('\n'))
        {
            var fields = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 2 && fields[0] == "ssh-ed25519")
                return $"{fields[0]} {fields[1]}";
        }
        throw new InvalidDataException(
            $"No 'ssh-ed25519' public key line in the output for '{keyPath}':\n    {output.Replace("\n", "\n    ")}");
    }
}
