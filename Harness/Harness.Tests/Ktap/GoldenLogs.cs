using System.Runtime.CompilerServices;
using System.Text;
using Harness.Suites.Ktap;
using NUnit.Framework;

namespace Harness.Tests.Ktap;

/// <summary>
/// Reads the golden logs under Ktap/Golden: from the test output folder when the
/// project copies them there, else from the source folder next to this file.
/// </summary>
internal static class GoldenLogs
{
    public static string Read(string name)
    {
        var copied = Path.Combine(TestContext.CurrentContext.TestDirectory, "Ktap", "Golden", name);
        var path = File.Exists(copied) ? copied : Path.Combine(SourceDirectory(), "Golden", name);
        return File.ReadAllText(path);
    }

    public static KtapParseResult Parse(string name, string idPrefix = "", bool outputWasCutOff = false) =>
        KtapParser.Parse(Read(name), idPrefix, outputWasCutOff);

    /// <summary>Renders results and problems one per line, for assertion messages.</summary>
    public static string Describe(KtapParseResult parsed)
    {
        var text = new StringBuilder();
        foreach (var result in parsed.Results)
            text.AppendLine($"{result.Id} = {result.Status.ToKey()} [{result.Reason}] out={result.Output.Count}");
        text.AppendLine($"summary: {parsed.Summary.Status.ToKey()} [{parsed.Summary.Reason}] {parsed.Summary.Counts}");
        foreach (var problem in parsed.Summary.Problems)
            text.AppendLine($"problem: {problem}");
        return text.ToString();
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
