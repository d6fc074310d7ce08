namespace Harness.Suites.Splats;

/// <summary>One kernel report found on the console or in dmesg.</summary>
public sealed record KernelSplat
{
    public required SplatKind Kind { get; init; }

    /// <summary>The line that identified the report, console prefix removed, e.g. <c>BUG: KASAN: slab-use-after-free in …</c>.</summary>
    public required string Title { get; init; }

    /// <summary>
    /// The report's lines, console prefixes removed: from the <c>cut here</c> or
    /// <c>=====</c> line before the title when there is one, through the end marker
    /// (<c>---[ end trace … ]---</c>, the closing <c>=====</c>, the last
    /// <c>&lt;/TASK&gt;</c>), at most <see cref="KernelSplatScannerOptions.MaxExcerptLines"/> lines.
    /// </summary>
    public required IReadOnlyList<string> Excerpt { get; init; }

    /// <summary>1-based line number of the title in the stream the scanner read.</summary>
    public required int Line { get; init; }

    /// <summary>printk time of the title line (time since boot), when the console printed one.</summary>
    public TimeSpan? KernelTime { get; init; }

    /// <summary>True when the report was cut at the line limit or the stream ended before its end marker.</summary>
    public bool Truncated { get; init; }

    /// <summary>Host time at which the title line was read, for attributing the report to the test running then.</summary>
    public DateTimeOffset SeenAt { get; init; }
}

/// <summary>What is known when a report's title line is read, before the rest of it arrives.</summary>
public sealed record KernelSplatStart(SplatKind Kind, string Title, int Line, TimeSpan? KernelTime, DateTimeOffset SeenAt);

public sealed record KernelSplatScannerOptions
{
    public static KernelSplatScannerOptions Default { get; } = new();

    /// <summary>
    /// Lines kept per report. A KASAN report with three stacks is about 80 lines.
    /// An RCU stall that dumps every CPU can run to hundreds, and its start matters most.
    /// </summary>
    public int MaxExcerptLines { get; init; } = 200;
}
