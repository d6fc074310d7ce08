namespace Harness.Core;

/// <summary>
/// Locations the pipeline reads from and writes to: the project checkout and the
/// per-user cache that outlives any one checkout.
/// </summary>
public sealed record HarnessPaths(string RepositoryRoot, string CacheRoot)
{
    public string KernelPatches => Path.Combine(RepositoryRoot, "kernel-patches");
    public string ConfigFragments => Path.Combine(KernelPatches, "config");
    public string Selftests => Path.Combine(RepositoryRoot, "selftests");
    public string VmImages => Path.Combine(RepositoryRoot, "vm-images");
    public string Results => Path.Combine(RepositoryRoot, "results");

    public string Downloads => Path.Combine(CacheRoot, "downloads");
    public string Sources => Path.Combine(CacheRoot, "sources");
    public string Trees => Path.Combine(CacheRoot, "trees");
    public string Builds => Path.Combine(CacheRoot, "builds");
    public string Ccache => Path.Combine(CacheRoot, "ccache");
    public string Images => Path.Combine(CacheRoot, "images");
    public string SelftestBuilds => Path.Combine(CacheRoot, "selftests");
    public string State => Path.Combine(CacheRoot, "state");

    /// <summary>
    /// Finds the checkout that contains <paramref name="start"/> (or the current
    /// directory) by looking for Harness.sln, and the cache root from
    /// HARNESS_CACHE, XDG_CACHE_HOME or ~/.cache, in that order.
    /// </summary>
    public static HarnessPaths Discover(string? start = null)
    {
        var root = FindRepositoryRoot(start ?? Environment.CurrentDirectory)
            ?? FindRepositoryRoot(AppContext.BaseDirectory)
            ?? throw new InvalidOperationException(
                $"No Harness.sln found above '{start ?? Environment.CurrentDirectory}'. " +
                "Run the harness from inside the project checkout.");
        return new HarnessPaths(root, DefaultCacheRoot());
    }

    public static string DefaultCacheRoot()
    {
        var explicitRoot = Environment.GetEnvironmentVariable("HARNESS_CACHE");
        if (!string.IsNullOrEmpty(explicitRoot))
            return Path.GetFullPath(explicitRoot);

        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var baseDir = !string.IsNullOrEmpty(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(baseDir, "harness");
    }

    private static string? FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Harness.sln")))
                return dir.FullName;
        }
        return null;
    }
}
