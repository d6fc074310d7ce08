using Harness.Build;
using Harness.Image;
using Harness.Results;
using Harness.Suites.Catalog;
using Harness.Suites.Ktap;
using Harness.Vm;
using Microsoft.Extensions.Logging;

namespace Harness.Runs;

/// <summary>
/// The main job: source, series, build, suites, image, boot, run every suite in
/// the guest, and write results as they come. Each stage's time and status goes
/// into results.json; a failure ends the run with what finished kept on disk.
/// </summary>
public sealed class TestRun(Workspace workspace)
{
    public async Task<RunOutcome> RunAsync(RunOptions options, Action<RunFolder>? onFolderCreated = null, CancellationToken cancellationToken = default)
    {
        var paths = workspace.Paths;
        var logger = workspace.Logger;
        SuiteCatalog.CheckPatterns(paths.RepositoryRoot, options.ExtraSuites, options.Suites);
        if (options.Kernel.UpTo is { } upTo)
            Series.SeriesApplier.CheckUpTo(Series.SeriesFile.Read(paths.KernelPatches), upTo);
        var started = DateTimeOffset.Now;
        var (projectCommit, projectChanged) = await ProjectStateAsync(cancellationToken);
        var info = new RunInfo
        {
            ProjectCommit = projectCommit,
            ProjectChanged = projectChanged,
            RunId = RunIds.New(started),
            StartedAt = started,
            CommandLine = options.CommandLine,
            ReproduceCommand = ReproduceCommand(options),
            ReproduceDirectory = paths.RepositoryRoot,
        };
        using var recorder = RunRecorder.Create(options.ResultsRoot ?? paths.Results, info, logger: logger);
        onFolderCreated?.Invoke(recorder.Folder);

        try
        {
            return await RunStagesAsync(options, recorder, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            recorder.Cancel("stopped by Ctrl+C or SIGTERM");
            throw;
        }
        catch (Exception e)
        {
            recorder.Abort(e.Message);
            throw;
        }
    }

    private async Task<RunOutcome> RunStagesAsync(RunOptions options, RunRecorder recorder, CancellationToken cancellationToken)
    {
        var logger = workspace.Logger;
        await StageAsync(recorder, "prerequisites", () => workspace.EnsurePrerequisitesAsync(cancellationToken).ContinueWith(_ => 0, cancellationToken, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default));

        var kernelBase = await StageAsync(recorder, "source", () => workspace.PrepareBaseAsync(options.Kernel, cancellationToken));
        recorder.UpdateInfo(i => i with { BaseVersion = kernelBase.Description });

        var series = await StageAsync(recorder, "series", () => workspace.ApplySeriesAsync(kernelBase, options.Kernel, cancellationToken));
        recorder.UpdateInfo(i => i with { Series = series.Commits.Select(c => new PatchInfo(c.Subject, c.Sha, c.PatchFile)).ToList() });

        // The suites are chosen before the long build, so a wrong --suite is
        // reported in seconds; the in-tree suites come with the series' tree.
        var suites = SuiteCatalog.Select([.. workspace.DiscoverSuites(series), .. options.ExtraSuites], options.Suites);

        var build = await StageAsync(recorder, "build", () => workspace.BuildKernelAsync(series, cancellationToken),
            onFailure: () => TryCopy(recorder, ArtifactKind.BuildLog, workspace.LastBuildLog(series)));
        if (build.WasUpToDate)
        {
            // The build directory's log may be hours old, so the run's copy starts
            // with a line stating that this run built nothing.
            var runBuildLog = recorder.Folder.PathFor(ArtifactKind.BuildLog);
            await File.WriteAllTextAsync(runBuildLog, KernelBuilder.UpToDateLog(build), cancellationToken);
            recorder.CopyArtifact(ArtifactKind.BuildLog, runBuildLog);
        }
        else
        {
            recorder.CopyArtifact(ArtifactKind.BuildLog, build.LogPath);
        }
        recorder.UpdateInfo(i => i with
        {
            ConfigHash = build.ConfigHash,
            VmlinuxPath = Path.Combine(build.BuildDirectory, "vmlinux"),
            Properties = new Dictionary<string, string>(i.Properties) { ["kernel release"] = build.KernelRelease, ["build directory"] = build.BuildDirectory },
        });
        var kernel = new PreparedKernel(kernelBase, series, build);

        var accelerator = options.Accelerator switch
        {
            AcceleratorMode.Tcg => new AcceleratorChoice(Accelerator.Tcg, "TCG was requested with --accel tcg"),
            AcceleratorMode.Kvm => new AcceleratorChoice(Accelerator.Kvm, "KVM was requested with --accel kvm"),
            _ => await StageAsync(recorder, "accelerator", () => AcceleratorProbe.Default.ChooseAsync("qemu-system-x86_64", build.KernelImage, logger, cancellationToken)),
        };
        var qemuVersion = await workspace.Runner.RunAsync(Core.ExternalCommand.Of("qemu-system-x86_64", "--version"), cancellationToken: cancellationToken);
        recorder.UpdateInfo(i => i with
        {
            Accelerator = accelerator.Accelerator.ToString().ToLowerInvariant(),
            QemuVersion = qemuVersion.StandardOutput.Split('\n')[0].Trim(),
        });
        var timeoutScale = accelerator.Accelerator == Accelerator.Tcg ? options.TcgTimeoutScale : 1;

        var built = await StageAsync(recorder, "suites-build", () => workspace.BuildSuitesAsync(kernel, suites, timeoutScale, cancellationToken));
        var image = await StageAsync(recorder, "image", () => workspace.BuildImageAsync(built, cancellationToken));
        recorder.UpdateInfo(i => i with { Properties = new Dictionary<string, string>(i.Properties) { ["guest image"] = $"{image.Path} ({image.SizeBytes / 1024} KiB)" } });

        var vmDirectory = Path.Combine(recorder.Folder.Path, "vm");
        var keys = await GuestKeys.CreateAsync(Path.Combine(vmDirectory, "keys"), workspace.Runner, logger, cancellationToken);
        var initrd = await BootInitrd.ComposeAsync(image, keys, Path.Combine(vmDirectory, "initrd.img"), cancellationToken);
        var console = new ConsoleWatch();
        var vmOptions = new VmOptions(build.KernelImage, initrd, keys)
        {
            Name = "vm-" + recorder.RunId[^6..],
            MemoryMiB = options.MemoryMiB,
            Cpus = options.Cpus,
            Accelerator = accelerator.Accelerator == Accelerator.Kvm ? AcceleratorMode.Kvm : AcceleratorMode.Tcg,
            WorkDirectory = vmDirectory,
            OnConsoleLine = console.Feed,
        };

        var dmesgSaved = false;
        var vm = await StageAsync(recorder, "boot", () => GuestVm.StartAsync(vmOptions, logger, cancellationToken),
            onFailure: () => TryCopy(recorder, ArtifactKind.ConsoleLog, Path.Combine(vmDirectory, "console.log")));
        try
        {
            recorder.UpdateInfo(i => i with
            {
                Properties = new Dictionary<string, string>(i.Properties)
                {
                    ["boot to ready"] = $"{vm.Boot.TimeToReady.TotalSeconds:0.00} s",
                    ["boot to ssh"] = $"{vm.Boot.TimeToSsh.TotalSeconds:0.00} s",
                },
            });

            var sink = new RecorderSink(recorder);
            var executor = new SuiteExecutor(vm, console, sink, logger);
            await StageAsync(recorder, "run", async () =>
            {
                foreach (var suite in built)
                    await executor.RunSuiteAsync(suite, options.Filter, cancellationToken);
                return 0;
            });

            if (executor.GuestDeath is null)
                await SaveDmesgAsync(vm, recorder, cancellationToken);
            dmesgSaved = true;

            if (options.KeepVm && executor.GuestDeath is null)
            {
                // The results are final before the wait, so that they do not
                // depend on how the kept guest is ended.
                TryCopy(recorder, ArtifactKind.ConsoleLog, vm.Boot.ConsoleLog);
                var outcome = recorder.Complete();
                var keyDirectory = Path.Combine(vmDirectory, "keys");
                await File.WriteAllTextAsync(Path.Combine(keyDirectory, "known_hosts"),
                    $"[127.0.0.1]:{vm.Boot.SshPort} {keys.HostPublicKey}\n", CancellationToken.None);
                new KeptVm(recorder.RunId, vm.Boot.QemuProcessId, vm.Boot.SshPort, keyDirectory, vm.Boot.ConsoleLog).Save(workspace.Paths);
                logger.LogInformation(
                    "The guest keeps running (QEMU pid {Pid}, SSH on 127.0.0.1:{Port}). Log in from another terminal with './harness ssh'; press Ctrl+C here to stop it.",
                    vm.Boot.QemuProcessId, vm.Boot.SshPort);
                try
                {
                    await Task.WhenAny(vm.Machine.Exited, Task.Delay(Timeout.Infinite, cancellationToken));
                }
                catch (OperationCanceledException)
                {
                    // Ctrl+C is how a kept guest is meant to end, not a failure.
                }
                finally
                {
                    File.Delete(KeptVm.StatePath(workspace.Paths));
                }
                return outcome;
            }
        }
        finally
        {
            // A cancelled run still saves the guest's kernel log, because a hung
            // guest is a common reason to cancel.
            if (!dmesgSaved && !vm.Machine.HasExited)
                await TrySaveDmesgAsync(vm, recorder, logger);
            await vm.ShutdownAsync(CancellationToken.None);
            await vm.DisposeAsync();
            TryCopy(recorder, ArtifactKind.ConsoleLog, vm.Boot.ConsoleLog);

            // The initrd copy is 13 MiB that any run remakes in a second from the
            // cached image and the keys, so only the keys are kept.
            File.Delete(initrd);
        }

        return recorder.Complete();
    }

    /// <summary>The checkout's commit and whether the run's inputs differ from it; no commit outside a git checkout.</summary>
    private async Task<(string? Commit, bool Changed)> ProjectStateAsync(CancellationToken cancellationToken)
    {
        var root = workspace.Paths.RepositoryRoot;
        try
        {
            var commit = await workspace.Runner.ReadAsync(Core.ExternalCommand.Of("git", "rev-parse", "HEAD").In(root), cancellationToken);
            var changes = await workspace.Runner.ReadAsync(
                Core.ExternalCommand.Of("git", "status", "--porcelain", "--", "kernel-patches", "selftests", "vm-images").In(root), cancellationToken);
            return (commit, changes.Length > 0);
        }
        catch (Core.CommandFailedException)
        {
            return (null, false);
        }
    }

    private static async Task SaveDmesgAsync(GuestVm vm, RunRecorder recorder, CancellationToken cancellationToken)
    {
        var dmesg = await vm.Ssh.RunAsync("dmesg", Vm.Ssh.GuestCommandOptions.Default.WithTimeout(TimeSpan.FromSeconds(30)), cancellationToken);
        var path = Path.Combine(recorder.Folder.Path, "vm", "dmesg.txt");
        await File.WriteAllTextAsync(path, dmesg.StandardOutput, cancellationToken);
        recorder.CopyArtifact(ArtifactKind.Dmesg, path);
    }

    private static async Task TrySaveDmesgAsync(GuestVm vm, RunRecorder recorder, ILogger logger)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await SaveDmesgAsync(vm, recorder, timeout.Token);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning("Could not save the guest's dmesg after the run stopped: {Reason}", e.Message);
        }
    }

    private static void TryCopy(RunRecorder recorder, ArtifactKind kind, string? path)
    {
        if (path is not null && File.Exists(path))
            recorder.CopyArtifact(kind, path);
    }

    private static async Task<T> StageAsync<T>(RunRecorder recorder, string name, Func<Task<T>> work, Action? onFailure = null)
    {
        recorder.BeginStage(name);
        try
        {
            var result = await work();
            recorder.EndStage(name, StageStatus.Pass);
            return result;
        }
        catch (Exception e)
        {
            onFailure?.Invoke();
            recorder.EndStage(name, StageStatus.Fail, e is OperationCanceledException ? "cancelled" : e.Message);
            throw;
        }
    }

    private static IReadOnlyList<string> ReproduceCommand(RunOptions options)
    {
        var command = new List<string> { "./harness", "run" };
        if (options.Kernel.KernelTree is { } tree)
            command.AddRange(["--kernel-tree", Path.GetFullPath(tree)]);
        if (options.Kernel.UpTo is { } upTo)
            command.AddRange(["--up-to", upTo.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        foreach (var suite in options.Suites)
            command.AddRange(["--suite", suite]);
        if (options.Filter is { } filter)
            command.AddRange(["--filter", filter]);
        if (options.Accelerator != AcceleratorMode.Auto)
            command.AddRange(["--accel", options.Accelerator.ToString().ToLowerInvariant()]);
        command.AddRange(["--memory", options.MemoryMiB.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        command.AddRange(["--cpus", options.Cpus.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        return command;
    }

    /// <summary>Writes each result to the run folder as it arrives.</summary>
    private sealed class RecorderSink(RunRecorder recorder) : ISuiteSink
    {
        public void SuiteStarted(string suite) => recorder.BeginSuite(suite);

        public void TestFinished(GuestTestResult result)
        {
            recorder.Record(result.Suite, result.Result);
            foreach (var splat in result.Splats)
                recorder.RecordSplat(splat, result.Suite, result.Result.Id);
        }

        public void ProgramFinished(ProgramRun run)
        {
        }

        public void SuiteFinished(string suite, TestCounts counts) => recorder.EndSuite(suite);
    }
}
