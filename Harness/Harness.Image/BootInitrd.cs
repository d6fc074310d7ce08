using Harness.Image.Cpio;

namespace Harness.Image;

/// <summary>
/// Joins the cached guest image and the per-run keys archive into the one file
/// QEMU's <c>-initrd</c> takes. The kernel unpacks concatenated archives in order,
/// each compressed or not, so the image stays cached while keys change per run.
/// </summary>
public static class BootInitrd
{
    /// <summary>Writes image + keys to <paramref name="outputPath"/> and returns that path.</summary>
    public static async Task<string> ComposeAsync(
        GuestImage image, GuestKeys keys, string outputPath, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputPath))!);
        await using var output = new FileStream(outputPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        await using (var input = File.OpenRead(image.Path))
            await input.CopyToAsync(output, cancellationToken);

        // The kernel's unpacker skips zero bytes between archives but expects an
        // uncompressed archive to start at a multiple of 4 from the start of the file
        // (init/initramfs.c, unpack_to_rootfs).
        var padding = (int)((4 - output.Position % 4) % 4);
        await output.WriteAsync(new byte[padding], cancellationToken);

        await NewcArchiveWriter.WriteAsync(output, keys.ArchiveEntries(), cancellationToken);
        return outputPath;
    }
}
