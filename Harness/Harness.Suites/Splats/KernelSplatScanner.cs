using System.Text.RegularExpressions;
using Harness.Suites.Ktap;

namespace Harness.Suites.Splats;

/// <summary>
/// Reads console or dmesg lines one at a time and reports each kernel splat
/// (WARNING, BUG, Oops, KASAN, KFENCE, UBSAN, lockdep, RCU stall, hung task,
/// panic, general protection fault) once its excerpt is complete.
/// </summary>
/// <remarks>
/// <para>A report ends at its end marker: <c>---[ end trace … ]---</c> for
/// WARNING, Oops and UBSAN; the closing <c>=====</c> line for KASAN and KFENCE
/// (and KMSAN, KCSAN); <c>---[ end Kernel panic … ]---</c> for a panic; the
/// <c>&lt;/TASK&gt;</c> that closes the call trace for lockdep, RCU stalls, hung
/// tasks and BUGs that are not followed by an Oops. A new report's title, the
/// line limit or <see cref="Flush"/> also end it.</para>
/// <para>Blank lines do not end a report: lockdep and KFENCE print them inside theirs.</para>
/// <para>The caller owns attribution: <c>onStart</c> fires when the title line is
/// read, so the runner can note which test is running at that moment.</para>
/// <para>Not thread-safe: feed lines from one thread, in order.</para>
/// </remarks>
public sealed partial class KernelSplatScanner
{
    private const int ContextLines = 4;

    private readonly Action<KernelSplat> _onSplat;
    private readonly Action<KernelSplatStart>? _onStart;
    private readonly KernelSplatScannerOptions _options;
    private readonly TimeProvider _time;
    private readonly Queue<string> _recent = new();
    private OpenSplat? _open;
    private int _lineNumber;

    /// <param name="onSplat">Receives each complete report.</param>
    /// <param name="onStart">Receives each report's title as soon as it is read; optional.</param>
    /// <param name="options">Excerpt limit; <see cref="KernelSplatScannerOptions.Default"/> when null.</param>
    /// <param name="time">Clock for <see cref="KernelSplat.SeenAt"/>; the system clock when null.</param>
    public KernelSplatScanner(
        Action<KernelSplat> onSplat,
        Action<KernelSplatStart>? onStart = null,
        KernelSplatScannerOptions? options = null,
        TimeProvider? time = null)
    {
        _onSplat = onSplat;
        _onStart = onStart;
        _options = options ?? KernelSplatScannerOptions.Default;
        _time = time ?? TimeProvider.System;
    }

    public int LinesRead => _lineNumber;

    /// <summary>True while a report has started and its end has not been read.</summary>
    public bool InsideSplat => _open is not null;

    /// <summary>Scans every line of <paramref name="text"/> and returns the reports, the last one flushed.</summary>
    public static IReadOnlyList<KernelSplat> Scan(string text, KernelSplatScannerOptions? options = null)
    {
        var splats = new List<KernelSplat>();
        var scanner = new KernelSplatScanner(splats.Add, options: options);
        foreach (var line in text.Split('\n'))
            scanner.Feed(line);
        scanner.Flush();
        return splats;
    }

    public void Feed(string line)
    {
        _lineNumber++;
        var text = ConsoleTimestamp.Strip(line.TrimEnd('\r'), out var kernelTime).TrimEnd();
        var trimmed = text.TrimStart();

        var start = Classify(trimmed);
        if (_open is { } open)
        {
            if (start is not null && !ContinuesOpen(open, start.Value))
            {
                Close(truncated: false);
            }
            else
            {
                Continue(open, text, trimmed);
                return;
            }
        }

        if (start is { } kind)
        {
            Begin(kind, trimmed, kernelTime);
            return;
        }

        _recent.Enqueue(text);
        if (_recent.Count > ContextLines)
            _recent.Dequeue();
    }

    /// <summary>Reports the open report, if any, with the lines read so far. Call it when the stream ends or a test finishes.</summary>
    public void Flush()
    {
        if (_open is not null)
            Close(truncated: true);
    }

    private void Begin(SplatKind kind, string title, TimeSpan? kernelTime)
    {
        var excerpt = new List<string>();
        var context = _recent.ToList();
        var from = context.FindLastIndex(line => CutHereLine().IsMatch(line) || RuleLine().IsMatch(line));
        if (from >= 0)
            excerpt.AddRange(context.Skip(from));
        _recent.Clear();

        excerpt.Add(title);
        var seenAt = _time.GetUtcNow();
        _open = new OpenSplat(kind, title, _lineNumber, kernelTime, seenAt, excerpt)
        {
            Framed = kind is SplatKind.Kasan or SplatKind.Kfence ||
                     (kind == SplatKind.Bug && SanitizerBugLine().IsMatch(title)),
        };
        _onStart?.Invoke(new KernelSplatStart(kind, title, _lineNumber, kernelTime, seenAt));
    }

    /// <summary>Whether a title-like line inside an open report belongs to it rather than starting a new one.</summary>
    private static bool ContinuesOpen(OpenSplat open, SplatKind next)
    {
        // "BUG: kernel NULL pointer dereference" and "kernel BUG at" are followed
        // by the Oops that reports them; it is the same event.
        if (next is SplatKind.Oops or SplatKind.GeneralProtectionFault && open.Kind == SplatKind.Bug && !open.SawOops)
        {
            open.SawOops = true;
            return true;
        }

        // Inside a sanitizer's "=====" frame every line is part of its report,
        // KASAN's own "KASAN: null-ptr-deref" hints included; only a panic is new.
        return open.Framed && next != SplatKind.Panic;
    }

    private void Continue(OpenSplat open, string text, string trimmed)
    {
        open.Excerpt.Add(text);

        if (EndTraceLine().IsMatch(trimmed) || EndPanicLine().IsMatch(trimmed))
        {
            Close(truncated: false);
            return;
        }

        if (open.Framed && RuleLine().IsMatch(trimmed))
        {
            Close(truncated: false);
            return;
        }

        if (trimmed == "</TASK>" && EndsAtTaskClose(open))
        {
            Close(truncated: false);
            return;
        }

        if (open.Excerpt.Count >= _options.MaxExcerptLines)
            Close(truncated: true);
    }

    /// <summary>
    /// Reports without an end-trace marker end with the call trace. A WARNING, an
    /// Oops or a UBSAN report prints one after the trace, and a panic its own.
    /// </summary>
    private static bool EndsAtTaskClose(OpenSplat open) => open.Kind switch
    {
        SplatKind.Lockdep or SplatKind.RcuStall or SplatKind.HungTask => true,
        SplatKind.Bug => !open.SawOops && !open.Framed,
        _ => false,
    };

    private void Close(bool truncated)
    {
        var open = _open!;
        _open = null;
        _recent.Clear();
        _onSplat(new KernelSplat
        {
            Kind = open.Kind,
            Title = open.Title,
            Excerpt = open.Excerpt,
            Line = open.Line,
            KernelTime = open.KernelTime,
            Truncated = truncated,
            SeenAt = open.SeenAt,
        });
    }

    private static SplatKind? Classify(string line)
    {
        if (line.Length < 4)
            return null;

        if (line.StartsWith("Kernel panic - not syncing", StringComparison.Ordinal))
            return SplatKind.Panic;
        if (line.StartsWith("BUG: KASAN: ", StringComparison.Ordinal))
            return SplatKind.Kasan;
        if (line.StartsWith("BUG: KFENCE: ", StringComparison.Ordinal))
            return SplatKind.Kfence;
        if (UbsanLine().IsMatch(line))
            return SplatKind.Ubsan;
        if (LockdepLine().IsMatch(line))
            return SplatKind.Lockdep;
        if (RcuStallLine().IsMatch(line))
            return SplatKind.RcuStall;
        if (HungTaskLine().IsMatch(line))
            return SplatKind.HungTask;
        if (GeneralProtectionFaultLine().IsMatch(line))
            return SplatKind.GeneralProtectionFault;
        if (line.StartsWith("Oops: ", StringComparison.Ordinal))
            return SplatKind.Oops;
        if (BugLine().IsMatch(line))
            return SplatKind.Bug;
        if (WarningLine().IsMatch(line))
            return SplatKind.Warning;
        return null;
    }

    private sealed class OpenSplat(SplatKind kind, string title, int line, TimeSpan? kernelTime, DateTimeOffset seenAt, List<string> excerpt)
    {
        public SplatKind Kind { get; } = kind;
        public string Title { get; } = title;
        public int Line { get; } = line;
        public TimeSpan? KernelTime { get; } = kernelTime;
        public DateTimeOffset SeenAt { get; } = seenAt;
        public List<string> Excerpt { get; } = excerpt;
        public bool Framed { get; init; }
        public bool SawOops { get; set; }
    }

    // kernel/panic.c __warn(): "WARNING: %s:%d at %pS, CPU#%d: %s/%d" and
    // "WARNING: at %pS, CPU#%d: …" in 7.x; "WARNING: CPU: %d PID: %d at …" before 6.18.
    [GeneratedRegex(@"^WARNING: (?:CPU: \d+ PID: \d+ at |at \S|\S+:\d+ at \S)", RegexOptions.CultureInvariant)]
    private static partial Regex WarningLine();

    // Titles printed by kernel/locking/lockdep.c.
    [GeneratedRegex(@"^WARNING: (?:possible circular locking dependency detected|possible recursive locking detected|inconsistent lock state|possible irq lock inversion dependency detected|\S+-safe -> \S+-unsafe lock order detected|bad unlock balance detected!|held lock freed!|suspicious RCU usage|lock held when returning to user space!|Nested lock was not taken|bad contention detected!|chain_key collision|\S+/\d+ still has locks held!)", RegexOptions.CultureInvariant)]
    private static partial Regex LockdepLine();

    // pr_fmt adds "watchdog: " to the soft lockup BUG, so one "subsystem: " prefix is allowed.
    [GeneratedRegex(@"^(?:[\w-]+: )?BUG: |^kernel BUG at ", RegexOptions.CultureInvariant)]
    private static partial Regex BugLine();

    [GeneratedRegex(@"^BUG: (?:KMSAN|KCSAN): ", RegexOptions.CultureInvariant)]
    private static partial Regex SanitizerBugLine();

    [GeneratedRegex(@"^UBSAN: \S.* in \S", RegexOptions.CultureInvariant)]
    private static partial Regex UbsanLine();

    [GeneratedRegex(@"^(?:rcu: )?INFO: rcu_\w+ (?:self-)?detected (?:expedited )?stalls?\b", RegexOptions.CultureInvariant)]
    private static partial Regex RcuStallLine();

    [GeneratedRegex(@"^INFO: task .+:\d+ blocked(?: in I/O wait)? for more than \d+ seconds", RegexOptions.CultureInvariant)]
    private static partial Regex HungTaskLine();

    [GeneratedRegex(@"^(?:Oops: )?general protection fault\b", RegexOptions.CultureInvariant)]
    private static partial Regex GeneralProtectionFaultLine();

    [GeneratedRegex(@"^---\[ end trace(?: [0-9a-f]+)? \]---", RegexOptions.CultureInvariant)]
    private static partial Regex EndTraceLine();

    [GeneratedRegex(@"^---\[ end Kernel panic", RegexOptions.CultureInvariant)]
    private static partial Regex EndPanicLine();

    [GeneratedRegex(@"^-+\[ cut here \]-+$", RegexOptions.CultureInvariant)]
    private static partial Regex CutHereLine();

    [GeneratedRegex(@"^={20,}$", RegexOptions.CultureInvariant)]
    private static partial Regex RuleLine();
}
