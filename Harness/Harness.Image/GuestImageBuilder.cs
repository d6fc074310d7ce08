using System.Diagnostics;
using System.IO.Compression;
using Harness.Core;
using Harness.Image.Cpio;
using Harness.Image.Elf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Harness.Image;

/// <summary>
/// Builds the guest initramfs: busybox with its applet links, dropbear and its
/// libraries, the init script and overlay files, and the selftest payloads with
/// their libraries. The image is cached under the hash of all of that, so it is
/// written again only when an input changed. Keys are not part of it: they go in
/// a second, small archive (see <see cref="GuestKeys"/>) so that new keys per run
/// keep the cached image.
/// </summary>
public sealed class GuestImageBuilder(CommandRunner runner, SharedLibraryResolver? resolver = null, ILogger? logger = null)
{
    /// <summary>Changes whenever the builder lays out the same inputs differently, so old cache entries stop matching.</summary>
    private const string FormatVersion = "harness-initramfs-1";

    private readonly SharedLibraryResolver _resolver = resolver ?? SharedLibraryResolver.ForHost();
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>Returns the cached image for <paramref name="recipe"/>, building it first when the cache has none.</summary>
    /// <exception cref="ArgumentException">An input of the recipe is missing or invalid.</exception>
    /// <exception cref="SharedLibraryNotFoundException">A program needs a library the host does not have.</exception>
    /// <exception cref="InvalidOperationException">Two inputs need the same guest path.</exception>
    public async Task<GuestImage> BuildAsync(GuestImageRecipe recipe, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var tree = await ComposeAsync(recipe, cancellationToken);
        var hash = tree.ComputeHash($"{FormatVersion} compress={recipe.Compress}");
        var path = Path.Combine(recipe.CacheDirectory, $"initramfs-{hash[..12]}{(recipe.Compress ? ".cpio.gz" : ".cpio")}");

        if (File.Exists(path))
        {
            // The modification time records the last use, which pruning goes by.
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
            var size = new FileInfo(path).Length;
            _logger.ReusedImage(path, size / 1048576.0, hash[..12]);
            return new GuestImage(path, hash, size, tree.Count, Rebuilt: false, clock.Elapsed);
        }

        _logger.BuildingImage(path, tree.Count);
        Directory.CreateDirectory(recipe.CacheDirectory);
        await WriteAtomicallyAsync(path, tree, recipe.Compress, cancellationToken);
        var written = new FileInfo(path).Length;
        _logger.BuiltImage(path, written / 1048576.0, clock.Elapsed.TotalSeconds);

        PruneCache(recipe.CacheDirectory, path, recipe.CachedImagesToKeep);
        return new GuestImage(path, hash, written, tree.Count, Rebuilt: true, clock.Elapsed);
    }

    /// <summary>Collects every entry of the image without writing anything.</summary>
    public async Task<GuestFileTree> ComposeAsync(GuestImageRecipe recipe, CancellationToken cancellationToken = default)
    {
        recipe.Validate();
        var tree = new GuestFileTree();
        AddSkeleton(tree);
        await AddBusyboxAsync(tree, recipe.BusyboxPath, cancellationToken);

        tree.Add(CpioEntry.FromHostFile("usr/sbin/dropbear", recipe.DropbearPath, CpioEntry.Mode755));
        var libraries = new LibraryPlacement(tree, recipe.Payloads);
        AddLibraries(libraries, recipe.DropbearPath);

        tree.Add(CpioEntry.FromHostFile("init", recipe.InitScriptPath, CpioEntry.Mode755));
        if (Directory.Exists(recipe.OverlayDirectory))
            AddDirectoryTree(tree, recipe.OverlayDirectory, "", onElf: null);

        foreach (var payload in recipe.Payloads)
            AddDirectoryTree(tree, payload.HostDirectory, payload.GuestPath, onElf: file => AddLibraries(libraries, file));

        return tree;
    }

    /// <summary>Directories and nodes init needs before it mounts anything.</summary>
    private static void AddSkeleton(GuestFileTree tree)
    {
        foreach (var directory in new[] { "proc", "sys", "dev", "tmp", "run", "var", "etc", "etc/dropbear", "usr/bin", "usr/sbin", "bin", "sbin" })
            tree.Add(CpioEntry.Directory(directory));

        // The kernel opens /dev/console for init's standard streams before init can mount devtmpfs.
        tree.Add(CpioEntry.CharacterDevice("dev/console", 5, 1, CpioEntry.Mode600));
        tree.Add(CpioEntry.SymbolicLink("var/run", "/run"));

        // dropbear rejects authorized_keys when the home or .ssh directory is writable by others.
        tree.Add(CpioEntry.Directory("root", CpioEntry.Mode700));
        tree.Add(CpioEntry.Directory("root/.ssh", CpioEntry.Mode700));
    }

    private async Task AddBusyboxAsync(GuestFileTree tree, string busybox, CancellationToken cancellationToken)
    {
        var elf = ElfFile.Read(busybox);
        if (!elf.IsStatic)
            throw new ArgumentException(
                $"'{busybox}' is dynamically linked, but init runs before any library is in place. " +
                "Use the static build from Debian's busybox-static package.");

        tree.Add(CpioEntry.FromHostFile("bin/busybox", busybox, CpioEntry.Mode755));

        // The link list comes from the binary itself, so it always matches the applets it has.
        var applets = await runner.ReadAsync(ExternalCommand.Of(busybox, "--list-full"), cancellationToken);
        foreach (var applet in applets.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var path = CpioEntry.NormalizePath(applet);
            if (path != "bin/busybox")
                tree.Add(CpioEntry.SymbolicLink(path, "/bin/busybox"));
        }
    }

    private void AddLibraries(LibraryPlacement placement, string program)
    {
        var closure = _resolver.Resolve(program);
        placement.Add(closure);
        _logger.ResolvedLibraries(program, closure.Libraries.Count);
    }

    /// <summary>
    /// Copies a host directory tree to <paramref name="guestRoot"/>, keeping permission
    /// bits and symbolic links, and calls <paramref name="onElf"/> for each x86-64 program.
    /// </summary>
    private static void AddDirectoryTree(GuestFileTree tree, string hostRoot, string guestRoot, Action<string>? onElf)
    {
        var files = Directory.EnumerateFileSystemEntries(hostRoot, "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal);
        foreach (var hostPath in files)
        {
            var relative = Path.GetRelativePath(hostRoot, hostPath).Replace(Path.DirectorySeparatorChar, '/');
            var guestPath = guestRoot.TrimEnd('/') + "/" + relative;
            var info = new FileInfo(hostPath);
            var permissions = File.GetUnixFileMode(hostPath);

            if (info.LinkTarget is not null)
            {
                tree.Add(CpioEntry.SymbolicLink(guestPath, info.LinkTarget) with { Origin = hostPath });
                continue;
            }

            if (info.Attributes.HasFlag(FileAttributes.Directory))
            {
                tree.Add(CpioEntry.Directory(guestPath, permissions) with { Origin = hostPath });
                continue;
            }

            tree.Add(CpioEntry.FromHostFile(guestPath, hostPath, permissions));
            if (onElf is not null && ElfFile.IsLoadableX86_64(hostPath))
                onElf(hostPath);
        }
    }

    private static async Task WriteAtomicallyAsync(string path, GuestFileTree tree, bool compress, CancellationToken cancellationToken)
    {
        // A unique temporary name lets two harness processes build the same image at once; the last rename wins.
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                if (compress)
                {
                    await using var gzip = new GZipStream(file, CompressionLevel.Optimal, leaveOpen: true);
                    await NewcArchiveWriter.WriteAsync(gzip, tree.Entries, cancellationToken);
                }
                else
                {
                    await NewcArchiveWriter.WriteAsync(file, tree.Entries, cancellationToken);
                }
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private void PruneCache(string directory, string current, int keep)
    {
        var stale = new DirectoryInfo(directory).EnumerateFiles("initramfs-*.cpio*")
            .Where(f => !f.Name.EndsWith(".tmp", StringComparison.Ordinal) && f.FullName != Path.GetFullPath(current))
            .OrderByDescending(f => f.LastWriteTimeUtc)
            .Skip(keep - 1);
        foreach (var file in stale)
        {
            try
            {
                file.Delete();
                _logger.DeletedCachedImage(file.FullName);
            }
            catch (IOException exception)
            {
                _logger.FailedToDeleteCachedImage(file.FullName, exception);
            }
        }
    }

    /// <summary>
    /// Places resolved libraries in the guest: the loader at its PT_INTERP path and
    /// every other library in <see cref="GuestLayout.LibraryDirectory"/>, the first
    /// directory the guest's loader searches when it has no ld.so.cache. A library
    /// that lives inside a payload is already copied with it and found through its
    /// program's $ORIGIN run path. A second name for a file already placed (libc
    /// needs the loader as ld-linux-x86-64.so.2) becomes a symbolic link.
    /// </summary>
    private sealed class LibraryPlacement(GuestFileTree tree, IReadOnlyList<GuestPayload> payloads)
    {
        private readonly Dictionary<string, string> _guestPathByRealPath = new(StringComparer.Ordinal);

        public void Add(SharedLibraryClosure closure)
        {
            if (closure.Interpreter is not null)
                Place(closure.Interpreter, closure.InterpreterRealPath!);

            foreach (var library in closure.Libraries)
            {
                if (payloads.Any(p => IsInside(library.RealPath, p.HostDirectory)))
                    continue;
                var guestPath = library.Name.Contains('/')
                    ? library.Name
                    : GuestLayout.LibraryDirectory + "/" + library.Name;
                Place(guestPath, library.RealPath);
            }
        }

        private void Place(string guestPath, string realPath)
        {
            guestPath = "/" + CpioEntry.NormalizePath(guestPath);
            if (_guestPathByRealPath.TryGetValue(realPath, out var first))
            {
                if (first != guestPath)
                    tree.Add(CpioEntry.SymbolicLink(guestPath, first) with { Origin = realPath });
                return;
            }
            _guestPathByRealPath.Add(realPath, guestPath);
            tree.Add(CpioEntry.FromHostFile(guestPath, realPath, CpioEntry.Mode755));
        }

        private static bool IsInside(string path, string directory)
        {
            var relative = Path.GetRelativePath(Path.GetFullPath(directory), path);
            return relative != ".." && !relative.StartsWith("../", StringComparison.Ordinal) && !Path.IsPathRooted(relative);
        }
    }
}
