using Harness.Build;
using Harness.Tests.Support;

namespace Harness.Tests.Build;

public sealed class UpToDateLogTests
{
    private static KernelBuild Build(string directory) =>
        new(directory, Path.Combine(directory, "bzImage"), Path.Combine(directory, "usr/include"), "abc123", "7.3.4", Path.Combine(directory, "build.log"), true, TimeSpan.Zero);

    [Test]
    public void Up_to_date_log_keeps_earlier_build_log()
    {
        using var directory = new TempDirectory();
        var log = directory.Write("build.log", "  CC      security/landlock/syscalls.o\n");
        var stamp = directory.Write("harness-build.json", "{}");
        File.SetLastWriteTimeUtc(log, DateTime.UtcNow.AddMinutes(-2));
        File.SetLastWriteTimeUtc(stamp, DateTime.UtcNow.AddMinutes(-1));

        var text = KernelBuilder.UpToDateLog(Build(directory.Path));

        Assert.That(text, Does.StartWith("harness: nothing was built: the kernel in"));
        Assert.That(text, Does.Contain("config abc123"));
        Assert.That(text, Does.EndWith("  CC      security/landlock/syscalls.o\n"));
    }

    [Test]
    public void Up_to_date_log_drops_later_failed_log()
    {
        using var directory = new TempDirectory();
        var log = directory.Write("build.log", "error: a later build that failed\n");
        var stamp = directory.Write("harness-build.json", "{}");
        File.SetLastWriteTimeUtc(stamp, DateTime.UtcNow.AddMinutes(-2));
        File.SetLastWriteTimeUtc(log, DateTime.UtcNow.AddMinutes(-1));

        var text = KernelBuilder.UpToDateLog(Build(directory.Path));

        Assert.That(text, Does.Not.Contain("a later build that failed"));
        Assert.That(text, Does.Contain("is gone"));
    }
}
