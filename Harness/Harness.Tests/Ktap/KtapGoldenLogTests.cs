using Harness.Suites.Ktap;
using NUnit.Framework;

namespace Harness.Tests.Ktap;

/// <summary>One test per golden log under Ktap/Golden, each named after the scenario the log shows.</summary>
[TestFixture]
public sealed class KtapGoldenLogTests
{
    [Test]
    public void Kselftest_harness_binary()
    {
        var parsed = GoldenLogs.Parse("kselftest_landlock_base.log", "landlock/base_test");
        var log = GoldenLogs.Describe(parsed);

        Assert.That(parsed.Results, Has.Count.EqualTo(18), log);
        var failed = parsed.Find("landlock/base_test/global.abi_version");
        Assert.That(failed?.Status, Is.EqualTo(TestStatus.Fail), log);
        Assert.That(failed!.Output, Is.EqualTo(new[]
        {
            "#  RUN           global.abi_version ...",
            "# base_test.c:79:abi_version:Expected 11 (11) == landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION) (10)",
            "# abi_version: Test terminated by assertion",
            "#          FAIL  global.abi_version",
        }));
        Assert.That(failed.NamePath, Is.EqualTo(new[] { "global.abi_version" }));
        Assert.That(failed.Number, Is.EqualTo(2));

        var skipped = parsed.Find("landlock/base_test/global.useless_quiet_rule_net");
        Assert.That(skipped?.Status, Is.EqualTo(TestStatus.Skip), log);
        Assert.That(skipped!.Reason, Is.EqualTo("network restrictions are not supported by this kernel"));

        Assert.That(parsed.Summary.Status, Is.EqualTo(TestStatus.Fail));
        Assert.That(parsed.Summary.Counts, Is.EqualTo(new TestCounts { Pass = 16, Fail = 1, Skip = 1 }));
        Assert.That(parsed.Summary.Problems, Is.Empty, log);
        Assert.That(parsed.Summary.Output, Does.Contain("# Starting 18 tests from 1 test cases."));
        Assert.That(parsed.Summary.Output, Does.Contain("# Totals: pass:16 fail:1 xfail:0 xpass:0 skip:1 error:0"));
    }

    [Test]
    public void Kselftest_runner_nesting()
    {
        var parsed = GoldenLogs.Parse("kselftest_runner_wrapped.log", "kselftest");
        var log = GoldenLogs.Describe(parsed);

        var baseTest = parsed.Find("kselftest/selftests: landlock: base_test");
        Assert.That(baseTest?.Status, Is.EqualTo(TestStatus.Pass), log);
        Assert.That(baseTest!.Subtests, Is.EqualTo(2));
        Assert.That(parsed.Find("kselftest/selftests: landlock: base_test/global.abi_version")?.Status,
            Is.EqualTo(TestStatus.Pass), log);

        var fsTest = parsed.Find("kselftest/selftests: landlock: fs_test");
        Assert.That(fsTest?.Status, Is.EqualTo(TestStatus.Timeout), log);
        Assert.That(fsTest!.Reason, Is.EqualTo("180 seconds"));

        var cutShort = parsed.Find("kselftest/selftests: landlock: fs_test/layout1.inval");
        Assert.That(cutShort?.Status, Is.EqualTo(TestStatus.Error), log);
        Assert.That(cutShort!.Synthesized, Is.True);
        Assert.That(cutShort.Reason, Does.Contain("not ok 2 selftests: landlock: fs_test # TIMEOUT 180 seconds"));
        Assert.That(parsed.Find("kselftest/selftests: landlock: fs_test/(missing 3)")?.Status,
            Is.EqualTo(TestStatus.Error), log);

        var netTest = parsed.Find("kselftest/selftests: landlock: net_test");
        Assert.That(netTest?.Status, Is.EqualTo(TestStatus.Skip), log);
        Assert.That(netTest!.Reason, Is.EqualTo("Landlock network support is not available"));

        var last = parsed.Results.Select(result => result.Id).ToList();
        Assert.That(last.IndexOf("kselftest/selftests: landlock: base_test/global.abi_version"),
            Is.LessThan(last.IndexOf("kselftest/selftests: landlock: base_test")), "subtests come before their parent");
    }

    [Test]
    public void Kunit_nested_ktap_v1()
    {
        var parsed = GoldenLogs.Parse("kunit_nested_ktap_v1.log", "kunit");
        var log = GoldenLogs.Describe(parsed);

        var suite = parsed.Find("kunit/landlock_fs");
        Assert.That(suite?.Status, Is.EqualTo(TestStatus.Fail), log);
        Assert.That(suite!.Subtests, Is.EqualTo(4));
        Assert.That(suite.FailedSubtests, Is.EqualTo(1));
        Assert.That(suite.CountsAsTestCase, Is.False);

        var failed = parsed.Find("kunit/landlock_fs/test_scope_to_request_with_exec_none");
        Assert.That(failed?.Status, Is.EqualTo(TestStatus.Fail), log);
        Assert.That(failed!.Output, Has.Count.EqualTo(3));
        Assert.That(failed.Output[0], Is.EqualTo("# test_scope_to_request_with_exec_none: EXPECTATION FAILED at security/landlock/fs.c:1851"));
        Assert.That(failed.Output[2], Is.EqualTo("    scope_to_request(LANDLOCK_ACCESS_FS_EXECUTE, &layer_masks) == 1 (0x1)"),
            "the console timestamp goes, the indentation inside the message stays");

        var parameter = parsed.Find("kunit/landlock_fs/test_is_eacces/refer");
        Assert.That(parameter?.Status, Is.EqualTo(TestStatus.Skip), log);
        Assert.That(parameter!.NamePath, Is.EqualTo(new[] { "landlock_fs", "test_is_eacces", "refer" }));
        Assert.That(parsed.Find("kunit/landlock_fs/test_is_eacces/read")!.Output, Is.Empty,
            "the '# Subtest:' header is not the first parameter's output");
        Assert.That(parsed.Find("kunit/landlock_fs/test_is_eacces")?.Status, Is.EqualTo(TestStatus.Pass), log);

        Assert.That(parsed.Find("kunit/landlock_id")?.Status, Is.EqualTo(TestStatus.Pass), log);
        Assert.That(parsed.Find("kunit/landlock_log")?.Status, Is.EqualTo(TestStatus.NoTests), log);

        Assert.That(parsed.Summary.Counts, Is.EqualTo(new TestCounts { Pass = 5, Fail = 1, Skip = 2, NoTests = 1 }));
        Assert.That(parsed.Summary.Problems, Is.Empty, log);
        Assert.That(parsed.Summary.Output, Has.Some.StartsWith("Linux version 7.3.4"));
    }

    [Test]
    public void Tap14_subtests_and_yaml()
    {
        var parsed = GoldenLogs.Parse("tap14_subtests.log");
        var log = GoldenLogs.Describe(parsed);

        Assert.That(parsed.Find("ruleset_create/rejects an empty access mask")?.Status, Is.EqualTo(TestStatus.Pass), log);
        Assert.That(parsed.Find("ruleset_create")?.Status, Is.EqualTo(TestStatus.Pass), log);

        var deep = parsed.Find("rule_add/path_beneath/refuses a file descriptor that is not a directory");
        Assert.That(deep?.Status, Is.EqualTo(TestStatus.Fail), log);
        Assert.That(deep!.Output, Does.Contain("  message: expected EINVAL, got 0"));
        Assert.That(deep.Duration, Is.EqualTo(TimeSpan.FromMilliseconds(12.5)));
        Assert.That(parsed.Find("rule_add/path_beneath")?.Status, Is.EqualTo(TestStatus.Fail), log);
        Assert.That(parsed.Find("rule_add")?.Status, Is.EqualTo(TestStatus.Fail), log);

        // No "# Subtest:" header: the subtests wait for the parent's result line to learn its name.
        Assert.That(parsed.Find("restrict_self/restrict_self twice")?.Status, Is.EqualTo(TestStatus.Pass), log);
        var parent = parsed.Find("restrict_self");
        Assert.That(parent?.Duration, Is.EqualTo(TimeSpan.FromMilliseconds(40)), log);
        Assert.That(parent!.Subtests, Is.EqualTo(2));

        Assert.That(parsed.Summary.Counts, Is.EqualTo(new TestCounts { Pass = 4, Fail = 1 }));
        Assert.That(parsed.Summary.Problems, Is.Empty, log);
    }

    [Test]
    public void Tap13_yaml_is_output()
    {
        var parsed = GoldenLogs.Parse("tap13_yaml.log");
        var log = GoldenLogs.Describe(parsed);

        var failed = parsed.Find("bpf_lsm attach");
        Assert.That(failed?.Status, Is.EqualTo(TestStatus.Fail), log);
        Assert.That(failed!.Output, Is.EqualTo(new[]
        {
            "  ---",
            "  message: 'attach failed: -EPERM'",
            "  severity: fail",
            "  data:",
            "    errno: 1",
            "  ...",
        }));
        Assert.That(parsed.Find("bpf_lsm detach")!.Output, Is.Empty);
        Assert.That(parsed.Summary.Problems, Is.Empty, log);
    }

    [Test]
    public void Guest_died_mid_suite()
    {
        var parsed = GoldenLogs.Parse("guest_died_mid_suite.log", "landlock/fs_test", outputWasCutOff: true);
        var log = GoldenLogs.Describe(parsed);

        var running = parsed.Find("landlock/fs_test/layout1.file_and_dir_access_rights");
        Assert.That(running?.Status, Is.EqualTo(TestStatus.Error), log);
        Assert.That(running!.Synthesized, Is.True);
        Assert.That(running.Reason, Does.Contain("started at line 10").And.Contain("the output was cut off"));
        Assert.That(running.Output, Does.Contain("# file_and_dir_access_rights: opening tmp/s1d1/f1 after landlock_restrict_self()"));

        Assert.That(parsed.Find("landlock/fs_test/(missing 4)")?.Status, Is.EqualTo(TestStatus.Error), log);
        Assert.That(parsed.Find("landlock/fs_test/(missing 5)")?.Reason, Does.Contain("the output was cut off"), log);

        Assert.That(parsed.Summary.Status, Is.EqualTo(TestStatus.Error));
        Assert.That(parsed.Summary.End, Is.EqualTo(KtapEnd.OutputCutOff));
        Assert.That(parsed.Summary.Counts, Is.EqualTo(new TestCounts { Pass = 2, Error = 3 }));
    }

    [Test]
    public void Kernel_panic_stops_parsing()
    {
        var parsed = GoldenLogs.Parse("kernel_panic_mid_suite.log", "base");
        var log = GoldenLogs.Describe(parsed);

        var running = parsed.Find("base/global.restrict_self_fd_flags");
        Assert.That(running?.Status, Is.EqualTo(TestStatus.Error), "the result line printed after the panic is not believed\n" + log);
        Assert.That(running!.Reason, Does.Contain("Kernel panic - not syncing: Fatal exception"));
        Assert.That(running.Output, Does.Contain("BUG: kernel NULL pointer dereference, address: 0000000000000008"));
        Assert.That(parsed.Find("base/(missing 3)")?.Status, Is.EqualTo(TestStatus.Error), log);

        Assert.That(parsed.Summary.End, Is.EqualTo(KtapEnd.KernelPanic));
        Assert.That(parsed.Summary.PanicLine, Is.EqualTo("Kernel panic - not syncing: Fatal exception"));
        Assert.That(parsed.Summary.Status, Is.EqualTo(TestStatus.Error));
    }

    [Test]
    public void Bail_out()
    {
        var parsed = GoldenLogs.Parse("bail_out.log");
        var log = GoldenLogs.Describe(parsed);

        Assert.That(parsed.Find("ruleset_version")?.Status, Is.EqualTo(TestStatus.Pass), log);
        var missing = parsed.Find("(missing 3)");
        Assert.That(missing?.Status, Is.EqualTo(TestStatus.Error), log);
        Assert.That(missing!.Reason, Does.Contain("Bail out! landlock_create_ruleset: Function not implemented (38)"));
        Assert.That(parsed.Find("this line comes after the bail out"), Is.Null, log);

        Assert.That(parsed.Summary.Status, Is.EqualTo(TestStatus.Error));
        Assert.That(parsed.Summary.End, Is.EqualTo(KtapEnd.BailedOut));
        Assert.That(parsed.Summary.BailOutReason, Is.EqualTo("landlock_create_ruleset: Function not implemented (38)"));
        Assert.That(parsed.Summary.Counts, Is.EqualTo(new TestCounts { Pass = 2, Error = 2 }));
    }

    [Test]
    public void Interleaved_dmesg()
    {
        var parsed = GoldenLogs.Parse("interleaved_dmesg.log", "base");
        var log = GoldenLogs.Describe(parsed);

        var warned = parsed.Find("base/global.ruleset_fd_transfer");
        Assert.That(warned?.Status, Is.EqualTo(TestStatus.Pass), "a splat is the splat scanner's business\n" + log);
        Assert.That(warned!.Output, Does.Contain("WARNING: security/landlock/ruleset.c:112 at create_ruleset+0x1c4/0x1e0, CPU#1: base_test/312"));

        var stamped = parsed.Find("base/global.cred_transfer");
        Assert.That(stamped?.Status, Is.EqualTo(TestStatus.Pass), "a timestamped result line still counts\n" + log);
        Assert.That(stamped!.Output, Is.EqualTo(new[]
        {
            "#  RUN           global.cred_transfer ...",
            "#            OK  global.cred_transfer",
        }));

        Assert.That(parsed.Summary.Counts, Is.EqualTo(new TestCounts { Pass = 3 }));
        Assert.That(parsed.Summary.Problems, Is.Empty, log);
    }

    [Test]
    public void All_directives()
    {
        var parsed = GoldenLogs.Parse("all_directives.log");
        var log = GoldenLogs.Describe(parsed);

        var expected = new (string Id, TestStatus Status, string? Directive, string? Reason)[]
        {
            ("plain_pass", TestStatus.Pass, null, null),
            ("plain_fail", TestStatus.Fail, null, null),
            ("skipped_test", TestStatus.Skip, "SKIP", "needs CONFIG_AUDIT"),
            ("skipped_not_ok", TestStatus.Skip, "SKIP", "not supported on this architecture"),
            ("known_broken", TestStatus.Todo, "TODO", "fix the refer check"),
            ("(unnamed)", TestStatus.XFail, "XFAIL", "expected_failure"),
            ("(unnamed)#2", TestStatus.XPass, "XPASS", "unexpected_pass"),
            ("slow_test", TestStatus.Timeout, "TIMEOUT", "45 seconds"),
            ("(unnamed)#3", TestStatus.Error, "ERROR", "open_tree: Operation not permitted"),
            ("exit_status", TestStatus.Fail, null, "exit=1"),
        };
        Assert.That(parsed.Results.Select(result => result.Id), Is.EqualTo(expected.Select(e => e.Id)), log);
        foreach (var (id, status, directive, reason) in expected)
        {
            var result = parsed.Find(id)!;
            Assert.That(result.Status, Is.EqualTo(status), id);
            Assert.That(result.Directive, Is.EqualTo(directive), id);
            Assert.That(result.Reason, Is.EqualTo(reason), id);
        }

        Assert.That(parsed.Summary.Counts.Failures, Is.EqualTo(4), "fail, fail, timeout, error; TODO is not a failure");
        Assert.That(parsed.Summary.Problems, Is.Empty, log);
    }

    [Test]
    public void No_tests_is_not_pass()
    {
        var parsed = GoldenLogs.Parse("no_tests.log");
        var log = GoldenLogs.Describe(parsed);

        var empty = parsed.Find("landlock_empty");
        Assert.That(empty?.Status, Is.EqualTo(TestStatus.NoTests), log);
        Assert.That(empty!.CountsAsTestCase, Is.True);
        var skipped = parsed.Find("landlock_net");
        Assert.That(skipped?.Status, Is.EqualTo(TestStatus.Skip), log);
        Assert.That(skipped!.Reason, Is.EqualTo("CONFIG_INET is not set"));

        Assert.That(parsed.Summary.Status, Is.EqualTo(TestStatus.NoTests));
    }

    [Test]
    public void Skip_all_plan()
    {
        var parsed = GoldenLogs.Parse("skip_all.log");

        Assert.That(parsed.Results, Is.Empty);
        Assert.That(parsed.Summary.Status, Is.EqualTo(TestStatus.Skip));
        Assert.That(parsed.Summary.Reason, Is.EqualTo("Landlock is not supported by the running kernel"));
        Assert.That(parsed.Summary.Plan, Is.Zero);
    }

    [Test]
    public void Duplicate_names()
    {
        var parsed = GoldenLogs.Parse("duplicate_names.log", "dup");
        var log = GoldenLogs.Describe(parsed);

        Assert.That(parsed.Results.Select(result => result.Id), Is.EqualTo(new[]
        {
            "dup/open_file", "dup/open_file#2", "dup/open_file#3", "dup/path%2Fwith%2Fslashes",
        }), log);
        Assert.That(parsed.Find("dup/open_file#3")?.Status, Is.EqualTo(TestStatus.Fail), log);
        Assert.That(parsed.Find("dup/path%2Fwith%2Fslashes")!.Name, Is.EqualTo("path/with/slashes"), "names stay as printed");
        Assert.That(parsed.Summary.Problems.Select(problem => problem.Line), Is.EqualTo(new[] { 4, 5 }), log);
    }

    [Test]
    public void Garbage_lines()
    {
        var parsed = GoldenLogs.Parse("garbage_lines.log");
        var log = GoldenLogs.Describe(parsed);

        Assert.That(parsed.Results.Select(result => result.Id), Is.EqualTo(new[]
        {
            "first", "third_out_of_order", "(unnamed)", "fourth",
        }), log);
        Assert.That(parsed.Find("third_out_of_order")!.Output, Has.Some.Contains("this is not TAP at all"));
        Assert.That(parsed.Find("fourth")!.Output, Is.EqualTo(new[] { "1..4" }));
        Assert.That(parsed.Summary.Output, Does.Contain("garbage before the version line"));

        var problems = parsed.Summary.Problems.Select(problem => problem.ToString()).ToList();
        Assert.That(problems, Has.Some.StartsWith("line 9: test number 3 is out of order (expected 2)"), log);
        Assert.That(problems, Has.Some.StartsWith("line 13: a second plan line"), log);
        Assert.That(problems, Has.Some.StartsWith("line 15: the Totals line says pass:9"), log);
    }
}
