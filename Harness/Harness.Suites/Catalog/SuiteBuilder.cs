using Harness.Core;
using Microsoft.Extensions.Logging;

namespace Harness.Suites.Catalog;

/// <summary>
/// Builds the suites for the guest: C programs statically linked against the
/// kernel build's uapi headers, and the C# program published with NativeAOT.
/// Output folders are stable per kernel build directory, so make and dotnet only
/// redo what changed.
/// </summary>
public sealed class SuiteBuilder(HarnessPaths paths, CommandRunner runner, ILogger logger)
{
    /// <summary>kselftest's default per-program timeout, used when a suite has no settings file.</summary>
    public static readonly TimeSpan DefaultProgramTimeout = TimeSpan.FromSeconds(45);

    /// <param name="buildKey">Names the output folder: the kernel build directory's name.</param>
    /// <param name="headersDirectory">The kernel build's usr/include from headers_install.</param>
    /// <param name="kernelTree">The tree with the series applied, for kselftest_harness.h and the in-tree suites.</param>
    /// <param name="timeoutScale">Multiplies every program timeout, e.g. for TCG, which is several times slower than KVM.</param>
    public async Task<BuiltSuite> BuildAsync(
        SuiteDefinition suite,
        string buildKey,
        string headersDirectory,
        string kernelTree,
        double timeoutScale,
        CancellationToken cancellationToken)
    {
        // Every checkout shares the cache, and make trusts file times only, so the
        // output folder is named by the sources' content: two checkouts with
        // different sources never reuse each other's programs.
        // Our C suites share selftests/c/include, so all of selftests/c counts.
        var sources = suite.Kind == SuiteKind.C ? Path.GetDirectoryName(suite.SourceDirectory)! : suite.SourceDirectory;
        var sourceHash = new ContentHash().AddDirectory("sources", sources).ToShortHex();
        var name = suite.Kind == SuiteKind.CSharp ? "csharp" : suite.Name.Replace('/', '-');
        var output = Path.Combine(paths.SelftestBuilds, buildKey, $"{name}-{sourceHash}");
        Directory.CreateDirectory(output);
        var log = Path.Combine(output, "build.log");
        File.WriteAllText(log, "");
        logger.LogDebug("Building suite {Suite} into {Output}", suite.Name, output);

        return suite.Kind switch
        {
            SuiteKind.InTreeKselftest => await BuildKselftestAsync(suite, output, log, headersDirectory, timeoutScale, cancellationToken),
            SuiteKind.C => await BuildCSuiteAsync(suite, output, log, headersDirectory, kernelTree, timeoutScale, cancellationToken),
            SuiteKind.CSharp => await BuildCSharpAsync(suite, output, log, timeoutScale, cancellationToken),
            SuiteKind.Prebuilt => ReadPrebuilt(suite, timeoutScale),
            _ => throw new ArgumentOutOfRangeException(nameof(suite), suite.Kind, "unknown suite kind"),
        };
    }

    private async Task<BuiltSuite> BuildKselftestAsync(
        SuiteDefinition suite, string output, string log, string headers, double timeoutScale, CancellationToken cancellationToken)
    {
        // Static linking makes the programs independent of the guest's libraries;
        // LDFLAGS on the command line overrides the Makefile's per-target += too.
        await runner.RunCheckedAsync(
            ExternalCommand.Of("make", "-C", suite.SourceDirectory, $"OUTPUT={output}", $"KHDR_INCLUDES=-isystem {headers}",
                "LDFLAGS=-static", "-j" + Environment.ProcessorCount).WithLog(log),
            nextStep: $"read '{log}'; static linking needs libcap-dev (libcap.a), which './harness doctor --install' installs",
            cancellationToken: cancellationToken);

        var listing = Path.Combine(output, "harness-list.mk");
        File.WriteAllText(listing, "include Makefile\nharness-list:\n\t@echo $(TEST_GEN_PROGS)\n");
        var programs = await runner.ReadAsync(
            ExternalCommand.Of("make", "-s", "--no-print-directory", "-C", suite.SourceDirectory, "-f", listing, $"OUTPUT={output}", "harness-list"),
            cancellationToken);

        var timeout = Scale(ReadKselftestTimeout(suite.SourceDirectory), timeoutScale);
        // Benchmarks such as Landlock's fs_bench are in TEST_GEN_PROGS but print
        // no KTAP and, under TCG, run for minutes; they measure, they do not test.
        var list = programs.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(Path.GetFileName)
            .Where(name => !name!.EndsWith("_bench", StringComparison.Ordinal))
            .Select(name => new SuiteProgram(name!, $"cd {suite.GuestDirectory} && ./{name}", timeout))
            .ToList();
        return new BuiltSuite(suite, output, list);
    }

    private async Task<BuiltSuite> BuildCSuiteAsync(
        SuiteDefinition suite, string output, string log, string headers, string kernelTree, double timeoutScale, CancellationToken cancellationToken)
    {
        var selftests = Path.Combine(kernelTree, "tools", "testing", "selftests");
        await runner.RunCheckedAsync(
            ExternalCommand.Of("make", "-C", suite.SourceDirectory, $"OUTPUT={output}", $"KHDR_INCLUDES=-isystem {headers}",
                $"SELFTESTS_DIR={selftests}").WithLog(log),
            nextStep: $"read '{log}' for the compiler's message",
            cancellationToken: cancellationToken);
        var names = await runner.ReadAsync(
            ExternalCommand.Of("make", "-s", "--no-print-directory", "-C", suite.SourceDirectory, "list"), cancellationToken);

        var timeout = Scale(DefaultProgramTimeout, timeoutScale);
        var programs = names.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(name => new SuiteProgram(name, $"cd {suite.GuestDirectory} && ./{name}", timeout))
            .ToList();
        return new BuiltSuite(suite, output, programs);
    }

    private async Task<BuiltSuite> BuildCSharpAsync(SuiteDefinition suite, string output, string log, double timeoutScale, CancellationToken cancellationToken)
    {
        var project = Directory.GetFiles(suite.SourceDirectory, "*.csproj").Single();
        var sourceHash = new ContentHash().AddDirectory("csharp", suite.SourceDirectory).ToHex();
        var stampPath = Path.Combine(output, "harness-source.hash");
        var program = Path.Combine(output, CSharpProgramName);

        // One publish serves every part; the hash keeps a second part, or a rerun
        // with unchanged sources, from paying NativeAOT's compile time again.
        if (!File.Exists(program) || !File.Exists(stampPath) || File.ReadAllText(stampPath) != sourceHash)
        {
            logger.LogInformation("Publishing the C# selftests with NativeAOT");
            await runner.RunCheckedAsync(
                ExternalCommand.Of("dotnet", "publish", project, "-c", "Release", "-r", "linux-x64", "-o", output, "--nologo")
                    .WithLog(log),
                nextStep: $"read '{log}' for the compiler's message",
                cancellationToken: cancellationToken);
            // The separate debug symbols stay on the host, for symbolizing a crash;
            // the guest only needs the program.
            var symbols = Directory.CreateDirectory(output + "-symbols").FullName;
            foreach (var debug in Directory.GetFiles(output, "*.dbg"))
                File.Move(debug, Path.Combine(symbols, Path.GetFileName(debug)), overwrite: true);
            File.WriteAllText(stampPath, sourceHash);
        }

        var listing = await runner.ReadAsync(ExternalCommand.Of(program, "--list"), cancellationToken);
        var tests = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t'))
            .Where(fields => fields.Length >= 2 && fields[0] == suite.Part)
            .ToList();

        var timeout = Scale(TimeSpan.FromSeconds(30 + 15 * tests.Count), timeoutScale);
        IReadOnlyList<SuiteProgram> programs = tests.Count == 0
            ? []
            : [new SuiteProgram(CSharpProgramName, $"cd {suite.GuestDirectory} && ./{CSharpProgramName} --part {suite.Part}", timeout)];
        return new BuiltSuite(suite, output, programs);
    }

    private static BuiltSuite ReadPrebuilt(SuiteDefinition suite, double timeoutScale)
    {
        var list = Path.Combine(suite.SourceDirectory, "programs");
        if (!File.Exists(list))
            throw new InvalidOperationException($"The prebuilt suite {suite.Name} has no 'programs' file in '{suite.SourceDirectory}'.");
        var timeout = Scale(DefaultProgramTimeout, timeoutScale);
        var programs = File.ReadLines(list)
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(name => new SuiteProgram(name, $"cd {suite.GuestDirectory} && ./{name}", timeout))
            .ToList();
        return new BuiltSuite(suite, suite.SourceDirectory, programs);
    }

    /// <summary>The NativeAOT program's file name (the project's AssemblyName).</summary>
    public const string CSharpProgramName = "csharp-selftests";

    private static TimeSpan ReadKselftestTimeout(string directory)
    {
        var settings = Path.Combine(directory, "settings");
        if (File.Exists(settings))
        {
            foreach (var line in File.ReadLines(settings))
            {
                if (line.StartsWith("timeout=", StringComparison.Ordinal) && int.TryParse(line["timeout=".Length..], out var seconds) && seconds > 0)
                    return TimeSpan.FromSeconds(seconds);
            }
        }
        return DefaultProgramTimeout;
    }

    private static TimeSpan Scale(TimeSpan timeout, double scale) => TimeSpan.FromSeconds(timeout.TotalSeconds * scale);
}
