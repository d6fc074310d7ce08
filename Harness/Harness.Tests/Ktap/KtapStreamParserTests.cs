using System.Text;
using Harness.Suites.Ktap;
using NUnit.Framework;

namespace Harness.Tests.Ktap;

[TestFixture]
public sealed class KtapStreamParserTests
{
    [Test]
    public void Results_arrive_while_streaming()
    {
        var results = new List<TestResult>();
        var parser = new KtapStreamParser("suite", results.Add);

        parser.Feed("KTAP version 1");
        parser.Feed("1..2");
        parser.Feed("ok 1 first");
        parser.Feed("# diagnostic for second");

        Assert.That(results.Select(result => result.Id), Is.EqualTo(new[] { "suite/first" }),
            "a result is delivered once the next line shows no YAML block follows");

        parser.Feed("not ok 2 second");
        var summary = parser.Complete(outputWasCutOff: false);

        Assert.That(results.Select(result => result.Id), Is.EqualTo(new[] { "suite/first", "suite/second" }));
        Assert.That(results[1].Output, Is.EqualTo(new[] { "# diagnostic for second" }));
        Assert.That(summary.Results, Is.EqualTo(2));
        Assert.That(summary.End, Is.EqualTo(KtapEnd.Complete));
    }

    [Test]
    public void Feed_splits_embedded_newlines()
    {
        var results = new List<TestResult>();
        var parser = new KtapStreamParser("", results.Add);

        parser.Feed("KTAP version 1\r\n1..1\nok 1 only\n");
        var summary = parser.Complete(outputWasCutOff: false);

        Assert.That(results.Single().Id, Is.EqualTo("only"));
        Assert.That(summary.LinesRead, Is.EqualTo(3));
    }

    [Test]
    public void Feed_after_complete_throws()
    {
        var parser = new KtapStreamParser("", _ => { });
        parser.Complete(outputWasCutOff: false);

        Assert.Throws<InvalidOperationException>(() => parser.Feed("ok 1 late"));
    }

    [Test]
    public void Empty_output_has_no_tests()
    {
        var parsed = KtapParser.Parse("");

        Assert.That(parsed.Summary.Status, Is.EqualTo(TestStatus.NoTests));
        Assert.That(parsed.Summary.Problems.Single().Message, Is.EqualTo("no version, plan or result line was found"));
    }

    [Test]
    public void Cut_off_without_plan_is_error()
    {
        var parsed = KtapParser.Parse("TAP version 14\nok 1 first\n", outputWasCutOff: true);

        Assert.That(parsed.Summary.Status, Is.EqualTo(TestStatus.Error));
        Assert.That(parsed.Summary.Reason, Does.Contain("no plan"));
        Assert.That(parsed.Find("first")?.Status, Is.EqualTo(TestStatus.Pass));
    }

    [Test]
    public void Output_ended_inside_subtests()
    {
        var text = """
            KTAP version 1
            1..2
                KTAP version 1
                # Subtest: suite_a
                1..2
                ok 1 case_one
            """;

        var parsed = KtapParser.Parse(text, "k");
        var log = GoldenLogs.Describe(parsed);

        Assert.That(parsed.Find("k/suite_a/case_one")?.Status, Is.EqualTo(TestStatus.Pass), log);
        Assert.That(parsed.Find("k/suite_a/(missing 2)")?.Reason, Is.EqualTo("no result: the output ended first"), log);
        var suite = parsed.Find("k/suite_a");
        Assert.That(suite?.Status, Is.EqualTo(TestStatus.Error), log);
        Assert.That(suite!.Reason, Does.StartWith("no result line for this parent test"));
        Assert.That(parsed.Find("k/(missing 2)")?.Status, Is.EqualTo(TestStatus.Error), log);
        Assert.That(parsed.Summary.End, Is.EqualTo(KtapEnd.OutputEnded));
    }

    [Test]
    public void Unnamed_parent_without_result()
    {
        var text = """
            KTAP version 1
            1..1
              KTAP version 1
              1..1
              ok 1 inner
            """;

        var parsed = KtapParser.Parse(text, outputWasCutOff: true);
        var log = GoldenLogs.Describe(parsed);

        Assert.That(parsed.Results.Select(result => result.Id), Is.EqualTo(new[] { "(unnamed)/inner", "(unnamed)" }), log);
        Assert.That(parsed.Find("(unnamed)")?.Status, Is.EqualTo(TestStatus.Error));
    }

    [Test]
    public void Parent_ok_with_failing_subtest_fails()
    {
        var text = """
            KTAP version 1
            1..1
              KTAP version 1
              1..2
              ok 1 good
              not ok 2 bad
            ok 1 parent
            """;

        var parsed = KtapParser.Parse(text);

        var parent = parsed.Find("parent");
        Assert.That(parent?.Status, Is.EqualTo(TestStatus.Fail));
        Assert.That(parent!.Reason, Is.EqualTo("1 of 2 subtests failed"));
        Assert.That(parsed.Summary.Problems.Single().Message, Is.EqualTo("'parent' reported ok but 1 of its subtests failed"));
        Assert.That(parsed.Summary.Counts, Is.EqualTo(new TestCounts { Pass = 1, Fail = 1 }),
            "the parent's failure is its subtest's, so it is not counted twice");
    }

    [Test]
    public void Parent_failing_alone_is_counted()
    {
        var text = """
            KTAP version 1
            1..1
              KTAP version 1
              1..1
              ok 1 good
            not ok 1 parent # exit=1
            """;

        var parsed = KtapParser.Parse(text);

        var parent = parsed.Find("parent")!;
        Assert.That(parent.Status, Is.EqualTo(TestStatus.Fail));
        Assert.That(parent.CountsAsTestCase, Is.True);
        Assert.That(parsed.Summary.Counts, Is.EqualTo(new TestCounts { Pass = 1, Fail = 1 }));
    }

    [Test]
    public void Parent_of_skipped_subtests_skips()
    {
        var text = """
            KTAP version 1
            1..1
                KTAP version 1
                # Subtest: suite
                1..2
                ok 1 one # SKIP no hardware
                ok 2 two # SKIP no hardware
            ok 1 suite
            """;

        var parsed = KtapParser.Parse(text);

        Assert.That(parsed.Find("suite")?.Status, Is.EqualTo(TestStatus.Skip));
        Assert.That(parsed.Summary.Status, Is.EqualTo(TestStatus.Skip));
    }

    [Test]
    public void Header_and_result_names_differ()
    {
        var text = """
            KTAP version 1
            1..1
                KTAP version 1
                # Subtest: announced
                1..1
                ok 1 case
            ok 1 printed
            """;

        var parsed = KtapParser.Parse(text);

        Assert.That(parsed.Results.Select(result => result.Id), Is.EqualTo(new[] { "announced/case", "announced" }));
        Assert.That(parsed.Summary.Problems.Single().Message, Does.Contain("'printed'").And.Contain("'announced'"));
    }

    [Test]
    public void Directive_keywords_are_case_insensitive()
    {
        var parsed = KtapParser.Parse("""
            TAP version 13
            1..5
            ok 1 a # skip lower case
            ok 2 b # Skipped: TAP spelling
            not ok 3 c # todo later
            not ok 4 d # Timeout 30 seconds
            not ok 5 e # errors: 3
            """);

        Assert.That(parsed.Results.Select(result => result.Status), Is.EqualTo(new[]
        {
            TestStatus.Skip, TestStatus.Skip, TestStatus.Todo, TestStatus.Timeout, TestStatus.Fail,
        }));
        Assert.That(parsed.Find("b")!.Reason, Is.EqualTo("TAP spelling"));
        Assert.That(parsed.Find("e")!.Reason, Is.EqualTo("errors: 3"), "'errors' is not the ERROR keyword");
    }

    [Test]
    public void Escaped_hash_stays_in_name()
    {
        var parsed = KtapParser.Parse("TAP version 13\n1..1\nok 1 issue \\#42 regression # SKIP flaky\n");

        var result = parsed.Results.Single();
        Assert.That(result.Name, Is.EqualTo("issue \\#42 regression"));
        Assert.That(result.Id, Is.EqualTo("issue \\%2342 regression"));
        Assert.That(result.Status, Is.EqualTo(TestStatus.Skip));
    }

    [Test]
    public void Tap_dash_separator_is_dropped()
    {
        var parsed = KtapParser.Parse("TAP version 13\n1..1\nok 1 - opens the file\n");

        Assert.That(parsed.Results.Single().Name, Is.EqualTo("opens the file"));
    }

    [Test]
    public void Nested_bail_out_closes_level()
    {
        var parsed = KtapParser.Parse("""
            TAP version 13
            1..2
            # selftests: landlock: base_test
            # TAP version 13
            # 1..3
            # ok 1 global.first
            # Bail out! landlock_create_ruleset: Function not implemented (38)
            # # Totals: pass:1 fail:0 xfail:0 xpass:0 skip:0 error:0
            not ok 1 selftests: landlock: base_test # exit=1
            ok 2 selftests: landlock: fs_test # SKIP
            """);
        var log = GoldenLogs.Describe(parsed);

        Assert.That(parsed.Find("selftests: landlock: base_test/(missing 2)")?.Reason,
            Does.Contain("bailed out first (line 7: Bail out! landlock_create_ruleset: Function not implemented (38))"), log);
        Assert.That(parsed.Find("selftests: landlock: base_test")?.Status, Is.EqualTo(TestStatus.Fail), log);
        Assert.That(parsed.Find("selftests: landlock: fs_test")?.Status, Is.EqualTo(TestStatus.Skip), "the outer level goes on\n" + log);
        Assert.That(parsed.Summary.End, Is.EqualTo(KtapEnd.Complete));
    }

    [Test]
    public void Tap14_header_at_child_indent()
    {
        var parsed = KtapParser.Parse("""
            TAP version 14
            1..1
                # Subtest: nested
                1..1
                ok 1 - inner
            ok 1 - nested
            """);
        var log = GoldenLogs.Describe(parsed);

        Assert.That(parsed.Results.Select(result => result.Id), Is.EqualTo(new[] { "nested/inner", "nested" }), log);
        Assert.That(parsed.Find("nested/inner")!.Output, Is.Empty, log);
        Assert.That(parsed.Summary.Problems, Is.Empty, log);
    }

    [Test]
    public void Indented_stream_is_framed()
    {
        var parsed = KtapParser.Parse("  KTAP version 1\n  1..1\n  ok 1 only\n");

        Assert.That(parsed.Results.Single().Id, Is.EqualTo("only"));
        Assert.That(parsed.Summary.Status, Is.EqualTo(TestStatus.Pass));
    }

    [Test]
    public void Unclosed_yaml_ends_at_next_line()
    {
        var parsed = KtapParser.Parse("""
            TAP version 13
            1..2
            not ok 1 - first
              ---
              message: no closing marker
            ok 2 - second
            """);

        Assert.That(parsed.Find("first")!.Output, Is.EqualTo(new[] { "  ---", "  message: no closing marker" }));
        Assert.That(parsed.Find("second")?.Status, Is.EqualTo(TestStatus.Pass));
        Assert.That(parsed.Summary.Problems.Single().Message, Does.Contain("YAML block was not closed"));
    }

    [Test]
    public void Harness_test_without_result_before_next()
    {
        var parsed = KtapParser.Parse("""
            TAP version 13
            1..2
            #  RUN           global.first ...
            #  RUN           global.second ...
            #            OK  global.second
            ok 2 global.second
            """);
        var log = GoldenLogs.Describe(parsed);

        var first = parsed.Find("global.first");
        Assert.That(first?.Status, Is.EqualTo(TestStatus.Error), log);
        Assert.That(first!.Reason, Does.Contain("the next test started first"));
        Assert.That(parsed.Find("global.second")?.Status, Is.EqualTo(TestStatus.Pass), log);
        Assert.That(parsed.Summary.Problems, Is.Not.Empty);
    }

    [Test]
    public void Panic_mentioned_in_diagnostic_is_output()
    {
        var parsed = KtapParser.Parse("""
            TAP version 13
            1..2
            # checking that "Kernel panic - not syncing" is absent from dmesg
            ok 1 no_panic
            ok 2 after
            """);

        Assert.That(parsed.Summary.End, Is.EqualTo(KtapEnd.Complete));
        Assert.That(parsed.Results.Select(result => result.Status), Is.EqualTo(new[] { TestStatus.Pass, TestStatus.Pass }));
    }

    [Test]
    public void Output_per_test_is_bounded()
    {
        var text = new StringBuilder("TAP version 13\n1..1\n");
        for (var i = 0; i < 1000; i++)
            text.Append("# line ").Append(i).Append('\n');
        text.Append("ok 1 chatty\n");

        var parsed = KtapParser.Parse(text.ToString(), options: new KtapParserOptions { MaxOutputLinesPerTest = 100 });

        var output = parsed.Results.Single().Output;
        Assert.That(output, Has.Count.EqualTo(101));
        Assert.That(output[0], Is.EqualTo("# line 0"));
        Assert.That(output[20], Is.EqualTo("[... 900 lines omitted ...]"));
        Assert.That(output[^1], Is.EqualTo("# line 999"));
    }

    [Test]
    public void Long_lines_are_cut()
    {
        var parsed = KtapParser.Parse("TAP version 13\n1..1\n# " + new string('x', 10_000) + "\nok 1 t\n",
            options: new KtapParserOptions { MaxLineLength = 50 });

        Assert.That(parsed.Results.Single().Output.Single(), Has.Length.EqualTo(51).And.EndsWith("…"));
    }

    [Test]
    public void Huge_plan_shares_one_result()
    {
        var parsed = KtapParser.Parse("TAP version 13\n1..4294967295\nok 1 t\n");

        Assert.That(parsed.Results.Select(result => result.Id), Is.EqualTo(new[] { "t", "(missing 2-2147483647)" }));
    }

    [Test]
    public void Random_input_never_throws()
    {
        var random = new Random(20261204);
        var fragments = new[]
        {
            "KTAP version 1", "TAP version 13", "TAP version 14", "1..", "1..3", "1..0 # SKIP", "ok", "not ok", "ok 1",
            " # SKIP", "# TODO", "#", "# ", "    ", "  ---", "  ...", "Bail out!", "# Subtest: x", "#  RUN           a.b ...",
            "[   1.000000] ", "Kernel panic - not syncing: x", "\t", "\u0000", "\u001b[0m", "\\#", "duration_ms: 1", "# Totals: pass:1",
        };

        for (var round = 0; round < 300; round++)
        {
            var parser = new KtapStreamParser("fuzz", _ => { }, new KtapParserOptions { MaxMissingResults = 5 });
            for (var line = 0; line < 60; line++)
            {
                var text = new StringBuilder();
                var pieces = random.Next(1, 4);
                for (var piece = 0; piece < pieces; piece++)
                    text.Append(fragments[random.Next(fragments.Length)]).Append(random.Next(3) == 0 ? " " : "");
                parser.Feed(text.ToString());
            }

            var cutOff = random.Next(2) == 0;
            Assert.DoesNotThrow(() => parser.Complete(cutOff), $"round {round}");
        }
    }

    [Test]
    public void Console_prefix_is_stripped()
    {
        var stripped = ConsoleTimestamp.Strip("<4>[   12.345678][    T1]     ok 1 foo", out var time);

        Assert.That(stripped, Is.EqualTo("    ok 1 foo"));
        Assert.That(time, Is.EqualTo(TimeSpan.FromTicks(123_456_780)));
        Assert.That(ConsoleTimestamp.Strip("[not a time] x"), Is.EqualTo("[not a time] x"));
    }

    [Test]
    public void Id_segments_escape_separators()
    {
        Assert.That(TestIds.EscapeSegment("a/b#c%d"), Is.EqualTo("a%2Fb%23c%25d"));
        Assert.That(TestIds.EscapeSegment("plain name.with dots"), Is.EqualTo("plain name.with dots"));
        Assert.That(TestIds.EscapeSegment(""), Is.EqualTo("(unnamed)"));
        Assert.That(TestIds.Join("suite/", ["a", "b"]), Is.EqualTo("suite/a/b"));
        Assert.That(TestIds.Join("", ["a"]), Is.EqualTo("a"));
    }
}
