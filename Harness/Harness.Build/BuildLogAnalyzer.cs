using System.Text.RegularExpressions;

namespace Harness.Build;

/// <summary>
/// Pulls compiler and linker errors out of a kernel build log. Paths are made
/// relative to the source tree, so they can be matched against the series.
/// </summary>
public static partial class BuildLogAnalyzer
{
    public static IReadOnlyList<CompilerDiagnostic> FindErrors(IEnumerable<string> logLines, string treePath, string buildDirectory)
    {
        var diagnostics = new List<CompilerDiagnostic>();
        var seen = new HashSet<string>();
        foreach (var line in logLines)
        {
            var compiler = CompilerError().Match(line);
            if (compiler.Success)
            {
                var file = Normalize(compiler.Groups["file"].Value, treePath, buildDirectory);
                var diagnostic = new CompilerDiagnostic(
                    file,
                    int.Parse(compiler.Groups["line"].Value),
                    compiler.Groups["column"].Success ? int.Parse(compiler.Groups["column"].Value) : null,
                    compiler.Groups["message"].Value.Trim(),
                    line,
                    null);
                if (seen.Add($"{file}:{diagnostic.Line}:{diagnostic.Message}"))
                    diagnostics.Add(diagnostic);
                continue;
            }

            var unresolved = UnresolvedSymbol().Match(line);
            if (unresolved.Success)
            {
                var file = Normalize(unresolved.Groups["file"].Value, treePath, buildDirectory);
                if (seen.Add(line))
                    diagnostics.Add(new CompilerDiagnostic(file, int.Parse(unresolved.Groups["line"].Value), null, unresolved.Groups["message"].Value.Trim(), line, null));
                continue;
            }

            var linker = LinkerError().Match(line);
            if (linker.Success)
            {
                var file = Normalize(linker.Groups["file"].Value, treePath, buildDirectory);
                if (seen.Add(line))
                    diagnostics.Add(new CompilerDiagnostic(file, null, null, linker.Groups["message"].Value.Trim(), line, null));
            }
        }
        return diagnostics;
    }

    private static string Normalize(string file, string treePath, string buildDirectory)
    {
        var full = Path.GetFullPath(Path.IsPathRooted(file) ? file : Path.Combine(buildDirectory, file));
        var tree = Path.GetFullPath(treePath).TrimEnd('/') + "/";
        return full.StartsWith(tree, StringComparison.Ordinal) ? full[tree.Length..] : file;
    }

    [GeneratedRegex(@"^(?<file>[^\s:]+\.[chS]):(?<line>\d+):(?:(?<column>\d+):)? (?:fatal )?error: (?<message>.*)$")]
    private static partial Regex CompilerError();

    [GeneratedRegex(@"^(?:ld: )?(?<file>[^\s:]+\.o):.*?: (?<message>undefined reference to .*)$")]
    private static partial Regex LinkerError();

    /// <summary>The linker's "file.c:LINE: undefined reference to" line, which follows "in function" when vmlinux has debug info.</summary>
    [GeneratedRegex(@"^\s*(?<file>[^\s:]+\.[ch]):(?<line>\d+): (?<message>undefined reference to .*)$")]
    private static partial Regex UnresolvedSymbol();
}
