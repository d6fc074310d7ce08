using Harness.Build;
using Harness.Series;
using Harness.VmTests.Support;

namespace Harness.VmTests.Runs;

/// <summary>The real base: Debian's linux-source-7.3 with the series applied and built.</summary>
[TestFixture]
public sealed class DebianSourceTests
{
    [Test]
    [CancelAfter(3_600_000)]
    public async Task Debian_base_builds_with_the_series_and_config()
    {
        var environment = await VmTestEnvironment.GetAsync();
        var kernel = environment.Kernel;
        var series = SeriesFile.Read(environment.Workspace.Paths.KernelPatches);

        Assert.That(kernel.Base.Description, Does.StartWith("Debian linux-source-7.3 7.3.4"));
        Assert.That(kernel.Base.KernelVersion, Is.EqualTo("7.3.4"));
        Assert.That(kernel.Series.Commits.Select(c => c.PatchFile), Is.EqualTo(series.PatchFiles), "one commit per patch, in series order");
        Assert.That(File.Exists(kernel.Build.KernelImage), Is.True, $"no bzImage at '{kernel.Build.KernelImage}'");

        var config = ConfigCheck.ReadDotConfig(Path.Combine(kernel.Build.BuildDirectory, ".config"));
        Assert.That(config["CONFIG_SECURITY_LANDLOCK"], Is.EqualTo("y"));
        Assert.That(config["CONFIG_BPF_LSM"], Is.EqualTo("y"));
        Assert.That(config["CONFIG_LSM"], Does.StartWith("\"landlock"), "Landlock must be first in the LSM list");
        var unwaived = ConfigCheck.Compare(environment.Workspace.LoadConfig(kernel.Series), Path.Combine(kernel.Build.BuildDirectory, ".config"), null)
            .Where(m => m.Waiver is null);
        Assert.That(unwaived, Is.Empty, "every requested symbol must survive olddefconfig");
    }
}
