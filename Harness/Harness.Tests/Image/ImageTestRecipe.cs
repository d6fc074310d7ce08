using Harness.Core;
using Harness.Image;
using Harness.Tests.Support;
using NUnit.Framework;

namespace Harness.Tests.Image;

/// <summary>
/// A copy of the checkout's image recipe (vm-images/initramfs) in a scratch folder,
/// with its own cache, so that tests can change inputs without touching the checkout.
/// </summary>
public sealed class ImageTestRecipe : IDisposable
{
    private readonly TempDirectory _work = new();

    public ImageTestRecipe()
    {
        var source = Path.Combine(HarnessPaths.Discover(TestContext.CurrentContext.TestDirectory).VmImages, "initramfs");
        RecipeDirectory = Path.Combine(_work.Path, "recipe");
        CopyDirectory(source, RecipeDirectory);
        CacheDirectory = Path.Combine(_work.Path, "cache");
        Recipe = new GuestImageRecipe(RecipeDirectory, CacheDirectory);
    }

    public string Root => _work.Path;

    public string RecipeDirectory { get; }

    public string CacheDirectory { get; }

    public GuestImageRecipe Recipe { get; }

    /// <summary>Creates a payload folder with one executable script and one data file.</summary>
    public string CreatePayload(string name)
    {
        var directory = Path.Combine(_work.Path, name);
        Directory.CreateDirectory(Path.Combine(directory, "data"));
        File.WriteAllText(Path.Combine(directory, "run.sh"), "#!/bin/sh\necho 'TAP version 13'\n");
        File.SetUnixFileMode(Path.Combine(directory, "run.sh"), (UnixFileMode)0x1ed);
        File.WriteAllText(Path.Combine(directory, "data", "input.txt"), "data\n");
        return directory;
    }

    public void Dispose() => _work.Dispose();

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
            File.SetUnixFileMode(target, File.GetUnixFileMode(file));
        }
    }
}
