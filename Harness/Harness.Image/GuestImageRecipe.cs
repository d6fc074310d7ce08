using Harness.Core;

namespace Harness.Image;

/// <summary>A host directory copied into the guest image at <paramref name="GuestPath"/>, libraries included.</summary>
public sealed record GuestPayload(string HostDirectory, string GuestPath);

/// <summary>
/// What a guest image is made from. Immutable; each <c>With…</c> method returns a copy.
/// </summary>
/// <param name="RecipeDirectory">
/// The directory holding the <c>init</c> script and the <c>overlay/</c> tree copied
/// to the guest's root (vm-images/initramfs in the checkout).
/// </param>
/// <param name="CacheDirectory">Where built images are kept, one file per content hash.</param>
public sealed record GuestImageRecipe(string RecipeDirectory, string CacheDirectory)
{
    /// <summary>Debian's busybox-static; must be a static binary, since it runs init before any library path exists.</summary>
    public string BusyboxPath { get; init; } = "/bin/busybox";

    /// <summary>Debian's dropbear-bin SSH server; its shared libraries are found and copied with it.</summary>
    public string DropbearPath { get; init; } = "/usr/sbin/dropbear";

    public IReadOnlyList<GuestPayload> Payloads { get; init; } = [];

    /// <summary>
    /// Whether the archive is gzip-compressed. Compressed images are smaller in the
    /// cache, but the guest spends emulated CPU time inflating them.
    /// </summary>
    public bool Compress { get; init; } = true;

    /// <summary>How many images the cache directory keeps; the least recently used beyond that are deleted.</summary>
    public int CachedImagesToKeep { get; init; } = 8;

    /// <summary>The recipe in a checkout, cached in the user's harness cache.</summary>
    public static GuestImageRecipe ForRepository(HarnessPaths paths) =>
        new(Path.Combine(paths.VmImages, "initramfs"), paths.Images);

    public string InitScriptPath => Path.Combine(RecipeDirectory, "init");

    public string OverlayDirectory => Path.Combine(RecipeDirectory, "overlay");

    public GuestImageRecipe WithPayload(string hostDirectory, string guestPath) =>
        this with { Payloads = [.. Payloads, new GuestPayload(hostDirectory, guestPath)] };

    public GuestImageRecipe WithBusybox(string path) => this with { BusyboxPath = path };

    public GuestImageRecipe WithDropbear(string path) => this with { DropbearPath = path };

    public GuestImageRecipe WithCompression(bool compress) => this with { Compress = compress };

    public GuestImageRecipe WithCacheDirectory(string directory) => this with { CacheDirectory = directory };

    /// <summary>Checks that every input exists and every guest path is usable.</summary>
    /// <exception cref="ArgumentException">An input is missing or a guest path is invalid; the message names it.</exception>
    public void Validate()
    {
        RequireFile(InitScriptPath, "init script", "Run the harness from a complete checkout; the recipe lives in vm-images/initramfs.");
        RequireFile(BusyboxPath, "busybox", "Install Debian's busybox-static package (apt-get install busybox-static).");
        RequireFile(DropbearPath, "dropbear", "Install Debian's dropbear-bin package (apt-get install dropbear-bin).");

        if (CachedImagesToKeep < 1)
            throw new ArgumentException($"CachedImagesToKeep is {CachedImagesToKeep}; keep at least the image being built.");

        var guestPaths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var payload in Payloads)
        {
            if (!Directory.Exists(payload.HostDirectory))
                throw new ArgumentException($"Payload directory '{payload.HostDirectory}' does not exist; build the selftests first.");
            if (!payload.GuestPath.StartsWith('/'))
                throw new ArgumentException($"Payload guest path '{payload.GuestPath}' is relative; give an absolute path such as /selftests/landlock.");

            var normalized = Cpio.CpioEntry.NormalizePath(payload.GuestPath);
            if (!guestPaths.Add(normalized))
                throw new ArgumentException($"Two payloads go to the guest path '/{normalized}'; give each its own directory.");
        }
    }

    private static void RequireFile(string path, string description, string nextStep)
    {
        if (!File.Exists(path))
            throw new ArgumentException($"The {description} '{path}' does not exist. {nextStep}");
    }
}

/// <summary>A built guest image in the cache.</summary>
/// <param name="Path">The archive file (a gzip-compressed newc cpio unless the recipe turned compression off).</param>
/// <param name="Hash">SHA-256 over every entry of the image; the file name contains its first 12 digits.</param>
/// <param name="Rebuilt">False when the cache already had an image with this hash.</param>
/// <param name="Elapsed">Time spent collecting inputs, hashing and (when rebuilt) writing.</param>
public sealed record GuestImage(
    string Path,
    string Hash,
    long SizeBytes,
    int EntryCount,
    bool Rebuilt,
    TimeSpan Elapsed);
