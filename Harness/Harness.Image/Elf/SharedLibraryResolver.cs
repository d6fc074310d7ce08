namespace Harness.Image.Elf;

/// <summary>A shared library that an ELF file needs, as the host's search path resolved it.</summary>
/// <param name="Name">The DT_NEEDED entry, such as <c>libc.so.6</c>.</param>
/// <param name="HostPath">Where the search found it, before following symbolic links.</param>
/// <param name="RealPath">The regular file behind <paramref name="HostPath"/>.</param>
/// <param name="RequiredBy">The file whose DT_NEEDED entry named it first.</param>
public sealed record SharedLibrary(string Name, string HostPath, string RealPath, string RequiredBy);

/// <summary>Everything the dynamic loader needs to start one ELF program.</summary>
/// <param name="Interpreter">The PT_INTERP path (the guest needs the loader at that exact path), or null for a static program.</param>
/// <param name="InterpreterRealPath">The host's regular file behind <paramref name="Interpreter"/>.</param>
/// <param name="Libraries">Every library of the dependency closure, each once, in breadth-first order.</param>
public sealed record SharedLibraryClosure(
    string Program,
    string? Interpreter,
    string? InterpreterRealPath,
    IReadOnlyList<SharedLibrary> Libraries)
{
    public bool IsStatic => Interpreter is null && Libraries.Count == 0;
}

/// <summary>A DT_NEEDED entry that no directory of the search path provides.</summary>
public sealed class SharedLibraryNotFoundException(string message) : Exception(message);

/// <summary>
/// Finds the shared libraries an ELF program needs by reading DT_NEEDED entries
/// and searching the way glibc's loader does on the host. The search order is
/// DT_RPATH (only when the object has no DT_RUNPATH), DT_RUNPATH, the directories
/// of /etc/ld.so.conf, and last the loader's built-in system directories.
/// </summary>
/// <remarks>
/// Two simplifications against glibc 2.36: DT_RPATH is inherited from the object
/// and the main program but not from intermediate loaders, and glibc-hwcaps
/// subdirectories are not searched. Debian's packages put neither to use, so the
/// resolved files match what <c>ld.so --list</c> prints for them; the tests compare
/// the two for dropbear.
/// </remarks>
public sealed class SharedLibraryResolver(IReadOnlyList<string> searchPath)
{
    /// <summary>The loader's built-in directories on Debian x86-64, as <c>ld.so --help</c> lists them.</summary>
    public static readonly IReadOnlyList<string> SystemDirectories =
        ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib"];

    /// <summary>Directories searched after an object's own DT_RPATH and DT_RUNPATH, in order.</summary>
    public IReadOnlyList<string> SearchPath { get; } = searchPath;

    /// <summary>
    /// Creates a resolver for the host: the directories of <paramref name="ldSoConf"/>
    /// (following its <c>include</c> lines) followed by <see cref="SystemDirectories"/>.
    /// </summary>
    public static SharedLibraryResolver ForHost(string ldSoConf = "/etc/ld.so.conf")
    {
        var directories = new List<string>();
        ReadLdSoConf(ldSoConf, directories, depth: 0);
        foreach (var directory in SystemDirectories)
        {
            if (!directories.Contains(directory))
                directories.Add(directory);
        }
        return new SharedLibraryResolver(directories);
    }

    /// <summary>Resolves the loader and every library that <paramref name="program"/> needs, transitively.</summary>
    /// <exception cref="SharedLibraryNotFoundException">A needed library is in no searched directory.</exception>
    /// <exception cref="InvalidDataException">The program or a library is not a readable x86-64 ELF file.</exception>
    public SharedLibraryClosure Resolve(string program)
    {
        var root = ElfFile.Read(program);
        string? interpreterRealPath = null;
        if (root.Interpreter is not null)
        {
            interpreterRealPath = RealPath(root.Interpreter)
                ?? throw new SharedLibraryNotFoundException(
                    $"'{program}' needs the program interpreter '{root.Interpreter}', which does not exist on the host. " +
                    "Install the C library package the program was built against.");
        }

        var libraries = new List<SharedLibrary>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<ElfFile>();
        queue.Enqueue(root);
        while (queue.TryDequeue(out var elf))
        {
            foreach (var name in elf.Needed)
            {
                if (!seen.Add(name))
                    continue;

                var found = Find(name, elf, root)
                    ?? throw new SharedLibraryNotFoundException(
                        $"'{elf.Path}' needs '{name}', which is in none of: {string.Join(", ", SearchOrder(elf, root))}. " +
                        "Install the Debian package that ships it.");
                libraries.Add(found.Library);
                queue.Enqueue(found.Elf);
            }
        }
        return new SharedLibraryClosure(program, root.Interpreter, interpreterRealPath, libraries);
    }

    private (SharedLibrary Library, ElfFile Elf)? Find(string name, ElfFile requiredBy, ElfFile root)
    {
        // A DT_NEEDED entry with a slash is a path and is not searched for.
        var candidates = name.Contains('/')
            ? [name]
            : SearchOrder(requiredBy, root).Select(directory => Path.Combine(directory, name));

        foreach (var candidate in candidates)
        {
            var realPath = RealPath(candidate);
            if (realPath is null)
                continue;

            // glibc skips a file of the wrong class or machine and keeps searching; so does this.
            ElfFile elf;
            try
            {
                elf = ElfFile.Read(realPath);
            }
            catch (InvalidDataException)
            {
                continue;
            }
            return (new SharedLibrary(name, candidate, realPath, requiredBy.Path), elf with { Path = realPath });
        }
        return null;
    }

    private IEnumerable<string> SearchOrder(ElfFile requiredBy, ElfFile root)
    {
        var origin = Path.GetDirectoryName(requiredBy.Path) ?? "/";
        var own = requiredBy.RunPath.Count > 0
            ? requiredBy.RunPath
            : requiredBy.RPath.Concat(ReferenceEquals(requiredBy, root) ? [] : root.RPath);
        return own.Select(directory => Path.GetFullPath(ExpandOrigin(directory, origin), origin))
            .Concat(SearchPath)
            .Distinct(StringComparer.Ordinal);
    }

    private static string ExpandOrigin(string directory, string origin) =>
        directory.Replace("${ORIGIN}", origin, StringComparison.Ordinal)
            .Replace("$ORIGIN", origin, StringComparison.Ordinal);

    /// <summary>Follows symbolic links to a regular file, or returns null when there is none.</summary>
    private static string? RealPath(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
            return null;
        var target = info.LinkTarget is null ? info : info.ResolveLinkTarget(returnFinalTarget: true);
        return target is { Exists: true } ? Path.GetFullPath(target.FullName) : null;
    }

    private static void ReadLdSoConf(string path, List<string> directories, int depth)
    {
        // ldconfig follows includes without a depth limit, but a cycle would loop forever here.
        if (depth > 8 || !File.Exists(path))
            return;

        foreach (var rawLine in File.ReadLines(path))
        {
            var line = rawLine.Split('#', 2)[0].Trim();
            if (line.Length == 0 || line.StartsWith("hwcap ", StringComparison.Ordinal))
                continue;

            if (line.StartsWith("include ", StringComparison.Ordinal))
            {
                foreach (var included in ExpandInclude(path, line["include ".Length..].Trim()))
                    ReadLdSoConf(included, directories, depth + 1);
                continue;
            }

            foreach (var directory in line.Split([' ', '\t', ',', ':'], StringSplitOptions.RemoveEmptyEntries))
            {
                if (!directories.Contains(directory))
                    directories.Add(directory);
            }
        }
    }

    /// <summary>Expands an include pattern whose wildcards are in the file name only, as ld.so.conf uses them.</summary>
    private static IEnumerable<string> ExpandInclude(string confPath, string pattern)
    {
        if (!Path.IsPathRooted(pattern))
            pattern = Path.Combine(Path.GetDirectoryName(confPath) ?? "/", pattern);

        var directory = Path.GetDirectoryName(pattern) ?? "/";
        var filePattern = Path.GetFileName(pattern);
        if (!Directory.Exists(directory))
            return [];
        return Directory.EnumerateFiles(directory, filePattern).Order(StringComparer.Ordinal);
    }
}
