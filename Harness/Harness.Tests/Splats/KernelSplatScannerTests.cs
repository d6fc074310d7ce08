using Harness.Suites.Splats;
using NUnit.Framework;

namespace Harness.Tests.Splats;

[TestFixture]
public sealed class KernelSplatScannerTests
{
    [Test]
    public void Warning_through_end_trace()
    {
        var splat = KernelSplatScanner.Scan(SplatSamples.Warning).Single();

        Assert.That(splat.Kind, Is.EqualTo(SplatKind.Warning));
        Assert.That(splat.Title, Is.EqualTo("WARNING: security/landlock/ruleset.c:112 at create_ruleset+0x1c4/0x1e0, CPU#1: base_test/312"));
        Assert.That(splat.Excerpt[0], Is.EqualTo("------------[ cut here ]------------"), "the cut-here line before the title is kept");
        Assert.That(splat.Excerpt[^1], Is.EqualTo("---[ end trace 0000000000000000 ]---"));
        Assert.That(splat.Excerpt, Has.Count.EqualTo(16));
        Assert.That(splat.Excerpt, Has.None.Contains("42.12"), "console timestamps are removed");
        Assert.That(splat.Line, Is.EqualTo(3));
        Assert.That(splat.KernelTime, Is.EqualTo(TimeSpan.FromTicks(421_209_410)));
        Assert.That(splat.Truncated, Is.False);
    }

    [Test]
    public void Older_warning_format()
    {
        var splats = KernelSplatScanner.Scan("""
            WARNING: CPU: 0 PID: 1 at lib/refcount.c:28 refcount_warn_saturate+0x97/0x110
            Call Trace:
            ---[ end trace 0000000000000000 ]---
            """);

        Assert.That(splats.Single().Kind, Is.EqualTo(SplatKind.Warning));
    }

    [Test]
    public void Bug_and_its_oops_are_one()
    {
        var splats = KernelSplatScanner.Scan(SplatSamples.NullDereferenceThenPanic);

        Assert.That(splats.Select(splat => splat.Kind), Is.EqualTo(new[] { SplatKind.Bug, SplatKind.Panic }));
        Assert.That(splats[0].Title, Is.EqualTo("BUG: kernel NULL pointer dereference, address: 0000000000000008"));
        Assert.That(splats[0].Excerpt, Does.Contain("Oops: Oops: 0000 [#1] SMP NOPTI"));
        Assert.That(splats[0].Excerpt[^1], Is.EqualTo("---[ end trace 0000000000000000 ]---"), "the </TASK> inside the Oops does not end it");
        Assert.That(splats[1].Title, Is.EqualTo("Kernel panic - not syncing: Fatal exception"));
        Assert.That(splats[1].Excerpt[^1], Is.EqualTo("---[ end Kernel panic - not syncing: Fatal exception ]---"));
    }

    [Test]
    public void Kasan_spans_its_frame()
    {
        var splat = KernelSplatScanner.Scan(SplatSamples.Kasan).Single();

        Assert.That(splat.Kind, Is.EqualTo(SplatKind.Kasan));
        Assert.That(splat.Title, Is.EqualTo("BUG: KASAN: slab-use-after-free in landlock_put_ruleset+0x2c/0x90"));
        Assert.That(splat.Excerpt[0], Does.StartWith("====="));
        Assert.That(splat.Excerpt[^1], Does.StartWith("====="));
        Assert.That(splat.Excerpt, Does.Contain("Freed by task 401:"), "the </TASK> inside the frame does not end it");
        Assert.That(splat.Excerpt, Does.Not.Contain("Disabling lock debugging due to kernel taint"));
    }

    [Test]
    public void Kfence_keeps_blank_lines()
    {
        var splat = KernelSplatScanner.Scan(SplatSamples.Kfence).Single();

        Assert.That(splat.Kind, Is.EqualTo(SplatKind.Kfence));
        Assert.That(splat.Excerpt, Does.Contain(""));
        Assert.That(splat.Excerpt, Has.Some.StartsWith("kfence-#72:"));
        Assert.That(splat.Excerpt, Has.Count.EqualTo(11));
    }

    [Test]
    public void Ubsan_ends_at_bare_end_trace()
    {
        var splat = KernelSplatScanner.Scan(SplatSamples.Ubsan).Single();

        Assert.That(splat.Kind, Is.EqualTo(SplatKind.Ubsan));
        Assert.That(splat.Title, Is.EqualTo("UBSAN: array-index-out-of-bounds in security/landlock/ruleset.c:402:22"));
        Assert.That(splat.Excerpt[^1], Is.EqualTo("---[ end trace ]---"));
        Assert.That(splat.Truncated, Is.False);
    }

    [Test]
    public void Lockdep_ends_after_backtrace()
    {
        var splat = KernelSplatScanner.Scan(SplatSamples.Lockdep).Single();

        Assert.That(splat.Kind, Is.EqualTo(SplatKind.Lockdep));
        Assert.That(splat.Title, Is.EqualTo("WARNING: possible circular locking dependency detected"));
        Assert.That(splat.Excerpt[0], Does.StartWith("====="));
        Assert.That(splat.Excerpt, Does.Contain(" *** DEADLOCK ***"));
        Assert.That(splat.Excerpt[^1], Is.EqualTo(" </TASK>"));
        Assert.That(splat.Truncated, Is.False);
    }

    [Test]
    public void Rcu_stall_detected()
    {
        var splat = KernelSplatScanner.Scan(SplatSamples.RcuStall).Single();

        Assert.That(splat.Kind, Is.EqualTo(SplatKind.RcuStall));
        Assert.That(splat.Title, Is.EqualTo("rcu: INFO: rcu_preempt self-detected stall on CPU"));
        Assert.That(splat.Excerpt[^1], Is.EqualTo(" </TASK>"), "the </IRQ> section does not end it");
        Assert.That(splat.Excerpt, Has.Count.EqualTo(12));
    }

    [Test]
    public void Rcu_stall_on_other_cpus()
    {
        var splats = KernelSplatScanner.Scan("rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:\nrcu: \t1-...!: (0 ticks this GP)\n");

        Assert.That(splats.Single().Kind, Is.EqualTo(SplatKind.RcuStall));
        Assert.That(splats.Single().Truncated, Is.True, "the stream ended before its call trace");
    }

    [Test]
    public void Hung_task_detected()
    {
        var splat = KernelSplatScanner.Scan(SplatSamples.HungTask).Single();

        Assert.That(splat.Kind, Is.EqualTo(SplatKind.HungTask));
        Assert.That(splat.Title, Is.EqualTo("INFO: task kworker/u8:3:57 blocked for more than 122 seconds."));
        Assert.That(splat.Excerpt, Has.Count.EqualTo(10));
    }

    [Test]
    public void General_protection_fault()
    {
        var splat = KernelSplatScanner.Scan(SplatSamples.GeneralProtectionFault).Single();

        Assert.That(splat.Kind, Is.EqualTo(SplatKind.GeneralProtectionFault));
        Assert.That(splat.Excerpt[^1], Is.EqualTo("---[ end trace 0000000000000000 ]---"));
    }

    [Test]
    public void Bug_without_oops_ends_at_task()
    {
        var splat = KernelSplatScanner.Scan(SplatSamples.SleepingInAtomic).Single();

        Assert.That(splat.Kind, Is.EqualTo(SplatKind.Bug));
        Assert.That(splat.Excerpt[^1], Is.EqualTo(" </TASK>"));
        Assert.That(splat.Excerpt, Does.Not.Contain("landlock: this line comes after the report"));
    }

    [Test]
    public void Soft_lockup_with_prefix()
    {
        var splats = KernelSplatScanner.Scan("watchdog: BUG: soft lockup - CPU#1 stuck for 26s! [fs_test:460]\n <TASK>\n </TASK>\n");

        Assert.That(splats.Single().Kind, Is.EqualTo(SplatKind.Bug));
        Assert.That(splats.Single().Title, Does.StartWith("watchdog: BUG: soft lockup"));
    }

    [Test]
    public void Ordinary_lines_are_not_splats()
    {
        var splats = KernelSplatScanner.Scan("""
            [    0.100000] WARNING: The mand mount option has been deprecated
            [    0.200000] landlock: Up and running.
            # BUG: a test's own diagnostic
            ok 1 global.abi_version
            [    0.300000] INFO: task list printed on request
            """);

        Assert.That(splats, Is.Empty);
    }

    [Test]
    public void Consecutive_reports_split()
    {
        var splats = KernelSplatScanner.Scan(SplatSamples.SleepingInAtomic + "\n" + SplatSamples.Warning + "\n" + SplatSamples.Kasan);

        Assert.That(splats.Select(splat => splat.Kind), Is.EqualTo(new[] { SplatKind.Bug, SplatKind.Warning, SplatKind.Kasan }));
        Assert.That(splats[1].Line, Is.EqualTo(14), "line numbers count every line fed");
    }

    [Test]
    public void New_title_closes_open_report()
    {
        var splats = KernelSplatScanner.Scan("""
            WARNING: at landlock_add_rule+0x10/0x20, CPU#0: fs_test/1
            Call Trace:
            BUG: sleeping function called from invalid context at kernel/sched/core.c:1
            """);

        Assert.That(splats.Select(splat => splat.Kind), Is.EqualTo(new[] { SplatKind.Warning, SplatKind.Bug }));
        Assert.That(splats[0].Excerpt, Has.Count.EqualTo(2));
        Assert.That(splats[0].Truncated, Is.False);
    }

    [Test]
    public void Excerpt_is_bounded()
    {
        var lines = new List<string> { "WARNING: at f+0x1/0x2, CPU#0: t/1" };
        lines.AddRange(Enumerable.Range(0, 500).Select(i => $" frame_{i}+0x1/0x2"));

        var splats = KernelSplatScanner.Scan(string.Join('\n', lines), new KernelSplatScannerOptions { MaxExcerptLines = 50 });

        Assert.That(splats[0].Excerpt, Has.Count.EqualTo(50));
        Assert.That(splats[0].Truncated, Is.True);
        Assert.That(splats, Has.Count.EqualTo(1), "lines after the cut are not a new report");
    }

    [Test]
    public void Start_reported_before_end()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 12, 4, 20, 15, 0, TimeSpan.Zero));
        var starts = new List<KernelSplatStart>();
        var splats = new List<KernelSplat>();
        var scanner = new KernelSplatScanner(splats.Add, starts.Add, time: clock);
        var lines = SplatSamples.Warning.Split('\n');

        scanner.Feed(lines[0]);
        scanner.Feed(lines[1]);
        scanner.Feed(lines[2]);
        clock.Now = clock.Now.AddSeconds(5);

        Assert.That(starts.Single().Kind, Is.EqualTo(SplatKind.Warning));
        Assert.That(splats, Is.Empty);
        Assert.That(scanner.InsideSplat, Is.True);

        foreach (var line in lines.Skip(3))
            scanner.Feed(line);

        Assert.That(splats.Single().SeenAt, Is.EqualTo(starts[0].SeenAt), "SeenAt is when the title was read");
        Assert.That(scanner.InsideSplat, Is.False);
    }

    [Test]
    public void Flush_reports_open_splat()
    {
        var splats = new List<KernelSplat>();
        var scanner = new KernelSplatScanner(splats.Add);

        scanner.Feed("[   42.120941] WARNING: security/landlock/fs.c:1 at f+0x1/0x2, CPU#1: t/1");
        scanner.Feed("[   42.120980] Modules linked in:");
        scanner.Flush();

        Assert.That(splats.Single().Truncated, Is.True);
        Assert.That(splats.Single().Excerpt, Has.Count.EqualTo(2));
    }

    [Test]
    public void Failure_message_names_test_and_next_step()
    {
        var splat = KernelSplatScanner.Scan(SplatSamples.Warning).Single();

        var message = SplatFailure.Message(splat, "landlock/base_test/global.ruleset_fd_transfer", "/cache/build/vmlinux");

        Assert.That(message, Is.EqualTo(
            "kernel WARNING while landlock/base_test/global.ruleset_fd_transfer was running " +
            "(console line 3, kernel time 42.120941 s): " +
            "WARNING: security/landlock/ruleset.c:112 at create_ruleset+0x1c4/0x1e0, CPU#1: base_test/312. " +
            "Decode the call trace with: scripts/decode_stacktrace.sh /cache/build/vmlinux < console.log"));
    }

    [Test]
    public void Failure_message_outside_tests()
    {
        var splat = new KernelSplat { Kind = SplatKind.HungTask, Title = "INFO: task x:1 blocked for more than 122 seconds.", Excerpt = [], Line = 7 };

        Assert.That(SplatFailure.Message(splat), Is.EqualTo(
            "kernel hung task outside any test (console line 7): INFO: task x:1 blocked for more than 122 seconds."));
    }

    [Test]
    public void Kind_keys_round_trip()
    {
        foreach (var kind in Enum.GetValues<SplatKind>())
        {
            Assert.That(SplatKindExtensions.TryParseKey(kind.ToKey(), out var parsed), Is.True, kind.ToString());
            Assert.That(parsed, Is.EqualTo(kind));
        }
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
