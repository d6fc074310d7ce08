using Harness.Series;

namespace Harness.Tests.Series;

[TestFixture]
public sealed class SeriesCheckerTests
{
    private const string GoodPatch = """
        From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
        From: Someone <someone@example.org>
        Subject: [PATCH 1/2] landlock: Stage a domain for the next execve

        The ruleset has to reach the new program from its first instruction.

        Signed-off-by: Someone <someone@example.org>
        ---
         security/landlock/syscalls.c | 1 +
        """;

    [Test]
    public void Well_formed_changelog_has_no_findings()
    {
        Assert.That(SeriesChecker.CheckMessage(GoodPatch), Is.Empty);
    }

    [Test]
    public void Subject_without_prefix_is_an_error()
    {
        var findings = SeriesChecker.CheckMessage(GoodPatch.Replace("landlock: Stage", "Stage"));

        Assert.That(findings.Select(f => f.Severity), Is.EqualTo(new[] { "ERROR" }));
        Assert.That(findings.Single().Message, Does.Contain("subsystem prefix"));
    }

    [Test]
    public void Missing_signoff_and_body_are_errors()
    {
        var patch = GoodPatch
            .Replace("The ruleset has to reach the new program from its first instruction.\n\n", "")
            .Replace("Signed-off-by: Someone <someone@example.org>\n", "");

        var messages = SeriesChecker.CheckMessage(patch).Select(f => f.Message).ToList();

        Assert.That(messages, Has.Some.Contains("no body"));
        Assert.That(messages, Has.Some.Contains("Signed-off-by"));
    }

    [Test]
    public void Checkpatch_output_is_parsed_with_locations()
    {
        const string output = """
            ERROR:TRAILING_WHITESPACE: trailing whitespace
            #25: FILE: security/landlock/syscalls.c:120:
            +	int x; $

            CHECK:PARENTHESIS_ALIGNMENT: Alignment should match open parenthesis
            #40: FILE: security/landlock/cred.c:31:
            """;

        var findings = SeriesChecker.ParseCheckpatch(output).ToList();

        Assert.That(findings, Has.Count.EqualTo(2));
        Assert.That(findings[0], Is.EqualTo(new PatchFinding("ERROR", "trailing whitespace", "security/landlock/syscalls.c:120")));
        Assert.That(findings[1].Severity, Is.EqualTo("CHECK"));
    }
}
