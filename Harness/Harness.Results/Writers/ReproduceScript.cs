using System.Text;
using Harness.Core;

namespace Harness.Results;

/// <summary>Writes reproduce.sh, a POSIX shell script that runs the harness command the caller gave for repeating the run.</summary>
public static class ReproduceScript
{
    public static string Render(ResultsDocument document, IReadOnlyList<string>? command, string? directory)
    {
        var text = new StringBuilder();
        text.Append("#!/bin/sh\n");
        text.Append("# Repeats harness run ").Append(document.RunId).Append(".\n");
        if (document.BaseVersion is { } baseVersion)
            text.Append("# Base: ").Append(OneLine(baseVersion)).Append('\n');
        if (document.Series.Count > 0)
        {
            text.Append("# Series:\n");
            foreach (var patch in document.Series)
                text.Append("#   ").Append(Formatting.ShortSha(patch.Sha)).Append(' ').Append(OneLine(patch.Subject)).Append('\n');
        }
        if (document.ProjectCommit is { } project)
            text.Append("# Project commit: ").Append(OneLine(project)).Append(document.ProjectChanged ? " with uncommitted changes" : "").Append('\n');
        if (document.ConfigHash is { } configHash)
            text.Append("# Config hash: ").Append(OneLine(configHash)).Append('\n');
        text.Append("set -eu\n");

        if (command is null || command.Count == 0)
        {
            text.Append("echo 'Run ").Append(document.RunId)
                .Append(" did not record the command that repeats it; see commandLine in results.json.' >&2\n");
            text.Append("exit 1\n");
            return text.ToString();
        }

        if (directory is not null)
            text.Append("cd ").Append(ShellQuoting.Quote(directory)).Append('\n');
        if (document.ProjectCommit is { } commit)
            AppendInputCheck(text, document, commit);
        text.Append("exec");
        foreach (var word in command)
            text.Append(' ').Append(ShellQuoting.Quote(word));
        text.Append(" \"$@\"\n");
        return text.ToString();
    }

    /// <summary>
    /// Appends a check that warns when the checkout's files differ from the ones
    /// the run used, because the command rebuilds from them, and prints how to restore them.
    /// </summary>
    private static void AppendInputCheck(StringBuilder text, ResultsDocument document, string commit)
    {
        var quoted = ShellQuoting.Quote(commit);
        if (document.ProjectChanged)
        {
            text.Append("echo 'reproduce.sh: run ").Append(document.RunId)
                .Append(" used uncommitted changes to kernel-patches/, selftests/ or vm-images/ on top of commit ")
                .Append(Formatting.ShortSha(commit)).Append("; it repeats with the files as they are now.' >&2\n");
            return;
        }

        text.Append("if ! git diff --quiet ").Append(quoted).Append(" -- kernel-patches selftests vm-images 2>/dev/null; then\n");
        text.Append("    echo 'reproduce.sh: kernel-patches/, selftests/ or vm-images/ differ from commit ")
            .Append(Formatting.ShortSha(commit)).Append(" that run ").Append(document.RunId)
            .Append(" used; it repeats with the files as they are now. For the same inputs: git stash; git checkout ")
            .Append(Formatting.ShortSha(commit)).Append("' >&2\n");
        text.Append("fi\n");
    }

    private static string OneLine(string text) => text.Replace('\n', ' ').Replace('\r', ' ');
}
