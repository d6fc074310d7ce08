using System.Globalization;
using System.Text;

namespace Harness.Suites.Splats;

/// <summary>Turns a kernel report into the message of the test failure it causes.</summary>
public static class SplatFailure
{
    /// <summary>
    /// Returns e.g. "kernel WARNING while landlock/base_test/global.abi_version was
    /// running (console line 812, kernel time 42.120941 s): WARNING: …. Decode the
    /// call trace with: scripts/decode_stacktrace.sh vmlinux &lt; console.log".
    /// </summary>
    /// <param name="splat">The report.</param>
    /// <param name="testId">Test that was running, or null when none was.</param>
    /// <param name="vmlinuxPath">vmlinux of the kernel that printed it, for the decode command; "vmlinux" when null.</param>
    /// <param name="logName">Log the splat was read from, which decode_stacktrace.sh can read whole.</param>
    public static string Message(KernelSplat splat, string? testId = null, string? vmlinuxPath = null, string logName = "console.log")
    {
        var text = new StringBuilder();
        text.Append("kernel ").Append(splat.Kind.ToLabel());
        text.Append(testId is null ? " outside any test" : $" while {testId} was running");
        text.Append(" (console line ").Append(splat.Line.ToString(CultureInfo.InvariantCulture));
        if (splat.KernelTime is { } time)
            text.Append(", kernel time ").Append(time.TotalSeconds.ToString("0.000000", CultureInfo.InvariantCulture)).Append(" s");
        text.Append("): ").Append(splat.Title);

        if (HasCallTrace(splat))
        {
            text.Append(". Decode the call trace with: scripts/decode_stacktrace.sh ")
                .Append(vmlinuxPath ?? "vmlinux")
                .Append(" < ")
                .Append(logName);
        }
        return text.ToString();
    }

    private static bool HasCallTrace(KernelSplat splat) =>
        splat.Excerpt.Any(line => line.Contains("Call Trace:", StringComparison.Ordinal) || line.Contains("+0x", StringComparison.Ordinal));
}
