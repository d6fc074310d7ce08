namespace Harness.Image;

/// <summary>
/// Names that the guest's init script and the host agree on. The init script in
/// vm-images/initramfs/init spells the same values; a test reads that file and
/// checks each of them.
/// </summary>
public static class GuestLayout
{
    /// <summary>Line prefix init prints on the console once sshd listens: <c>harness-guest-ready NONCE …</c>.</summary>
    public const string ReadyMarker = "harness-guest-ready";

    /// <summary>Line prefix init prints when a required step fails: <c>harness-guest-failed NONCE STEP …</c>.</summary>
    public const string FailureMarker = "harness-guest-failed";

    /// <summary>
    /// Kernel command-line parameter that carries the per-boot nonce. The dot makes
    /// the kernel treat it as a module parameter, so it neither warns about it nor
    /// passes it to init, and init reads it back from /proc/cmdline.
    /// </summary>
    public const string NonceParameter = "harness.nonce";

    /// <summary>Dropbear host key in dropbear's own format, from the per-run keys archive.</summary>
    public const string HostKeyPath = "/etc/dropbear/dropbear_ed25519_host_key";

    public const string AuthorizedKeysPath = "/root/.ssh/authorized_keys";

    /// <summary>Directory for shared libraries; the first of glibc's built-in search directories on Debian x86-64.</summary>
    public const string LibraryDirectory = "/lib/x86_64-linux-gnu";

    public const string SshUser = "root";

    public const int SshPort = 22;

    /// <summary>The guest's address on QEMU's user-mode network (QEMU's default 10.0.2.0/24 with the gateway at .2).</summary>
    public const string GuestAddress = "10.0.2.15";

    public const string GatewayAddress = "10.0.2.2";
}
