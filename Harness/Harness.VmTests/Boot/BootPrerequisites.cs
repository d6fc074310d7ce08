using Harness.Core;
using Harness.Image;
using Harness.Vm;
using NUnit.Framework;

namespace Harness.VmTests.Boot;

/// <summary>
/// What every boot test needs, prepared once per test run: the kernel the
/// pipeline builds from the series (or, to try another kernel, the bzImage named
/// by HARNESS_KERNEL), QEMU, a guest image built from the checkout's recipe, the
/// run's keys, and the composed initrd. A missing prerequisite fails the test
/// with a message naming it; it never skips or passes.
/// </summary>
public sealed class BootPrerequisites
{
    public const string KernelVariable = "HARNESS_KERNEL";

    private static readonly Lazy<Task<BootPrerequisites>> Shared = new(PrepareAsync);

    private BootPrerequisites(string kernel, GuestImage image, GuestKeys keys, string initrd, string workDirectory)
    {
        Kernel = kernel;
        Image = image;
        Keys = keys;
        Initrd = initrd;
        WorkDirectory = workDirectory;
    }

    public string Kernel { get; }

    public GuestImage Image { get; }

    public GuestKeys Keys { get; }

    public string Initrd { get; }

    /// <summary>A folder for this test run's images, keys and VM work directories.</summary>
    public string WorkDirectory { get; }

    /// <summary>Returns the shared prerequisites, or fails the calling test with what is missing.</summary>
    public static async Task<BootPrerequisites> GetAsync()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(KernelVariable)))
            CheckKernelAndQemu();
        return await Shared.Value;
    }

    /// <summary>Options for one VM with its own work directory, so that VMs started together never share files.</summary>
    public VmOptions OptionsFor(string name) =>
        new VmOptions(Kernel, Initrd, Keys)
            .WithName(name)
            .WithWorkDirectory(Path.Combine(WorkDirectory, "vms", $"{name}-{Guid.NewGuid():N}"[..24]))
            .WithBootTimeout(TimeSpan.FromSeconds(120));

    /// <summary>Deletes the shared work folder, if this run made one.</summary>
    public static async Task DeleteWorkDirectoryAsync()
    {
        if (!Shared.IsValueCreated || !Shared.Value.IsCompletedSuccessfully)
            return;
        var work = (await Shared.Value).WorkDirectory;
        Directory.Delete(work, recursive: true);
    }

    private static void CheckKernelAndQemu()
    {
        var kernel = Environment.GetEnvironmentVariable(KernelVariable);
        if (string.IsNullOrEmpty(kernel))
            Assert.Fail($"{KernelVariable} is not set. Point it at a bzImage built from kernel-patches/config, " +
                        "for example ~/.cache/harness/builds/<name>/arch/x86/boot/bzImage.");
        if (!File.Exists(kernel))
            Assert.Fail($"{KernelVariable} names '{kernel}', which does not exist. Build the kernel first.");

        var qemu = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(directory => Path.Combine(directory, "qemu-system-x86_64"))
            .FirstOrDefault(File.Exists);
        if (qemu is null)
            Assert.Fail("qemu-system-x86_64 is not on PATH. Install Debian's qemu-system-x86 package.");
    }

    private static async Task<BootPrerequisites> PrepareAsync()
    {
        var kernel = Environment.GetEnvironmentVariable(KernelVariable);
        if (string.IsNullOrEmpty(kernel))
            kernel = (await Support.VmTestEnvironment.GetAsync()).Kernel.Build.KernelImage;
        var work = Directory.CreateTempSubdirectory("harness-vmtests-").FullName;
        var paths = HarnessPaths.Discover(TestContext.CurrentContext.TestDirectory);
        var runner = new CommandRunner();

        var recipe = GuestImageRecipe.ForRepository(paths).WithCacheDirectory(Path.Combine(work, "images"));
        var image = await new GuestImageBuilder(runner).BuildAsync(recipe);
        var keys = await GuestKeys.CreateAsync(Path.Combine(work, "keys"), runner);
        var initrd = await BootInitrd.ComposeAsync(image, keys, Path.Combine(work, "initrd.img"));
        return new BootPrerequisites(kernel, image, keys, initrd, work);
    }
}

/// <summary>Removes what <see cref="BootPrerequisites"/> made once every boot test has run.</summary>
[SetUpFixture]
public sealed class BootPrerequisitesCleanup
{
    [OneTimeTearDown]
    public Task DeleteWorkDirectoryAsync() => BootPrerequisites.DeleteWorkDirectoryAsync();
}
