using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Harness.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Harness.Vm;

/// <summary>The accelerator a probe chose and why.</summary>
/// <param name="FromStateFile">True when an earlier process's probe result was reused.</param>
public sealed record AcceleratorChoice(Accelerator Accelerator, string Reason, bool FromStateFile = false);

/// <summary>
/// Decides between KVM and TCG by booting the kernel under KVM and requiring its
/// first console line within <see cref="FirstLineTimeout"/>. An openable /dev/kvm
/// is not enough: on some hosts QEMU aborts while setting an MSR with
/// <c>-cpu host</c>, or the guest hangs before the kernel prints anything. The
/// result is kept for the process lifetime and, when a state directory is given,
/// in a file keyed by the QEMU version, the kernel image and the host kernel
/// release, so later runs skip the probe.
/// </summary>
public sealed class AcceleratorProbe
{
    private readonly IQemuLauncher _launcher;
    private readonly string? _stateDirectory;
    private readonly string _kvmDevice;
    private readonly Func<string, CancellationToken, Task<string>>? _readQemuVersion;
    private readonly ConcurrentDictionary<string, Lazy<Task<AcceleratorChoice>>> _choices = new(StringComparer.Ordinal);

    /// <summary>Fallback reasons already logged, so that a bisect's many kernels warn once.</summary>
    private readonly ConcurrentDictionary<string, bool> _fallbackReasons = new(StringComparer.Ordinal);

    private static readonly JsonSerializerOptions StateJson = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <param name="stateDirectory">Where probe results are saved across processes; null keeps them in memory only.</param>
    /// <param name="kvmDevice">The KVM device node; tests point it elsewhere.</param>
    /// <param name="readQemuVersion">Returns the QEMU version line for the state key; runs <c>qemu --version</c> by default.</param>
    public AcceleratorProbe(
        IQemuLauncher launcher,
        string? stateDirectory = null,
        string kvmDevice = "/dev/kvm",
        Func<string, CancellationToken, Task<string>>? readQemuVersion = null)
    {
        _launcher = launcher;
        _stateDirectory = stateDirectory;
        _kvmDevice = kvmDevice;
        _readQemuVersion = readQemuVersion;
    }

    /// <summary>The probe shared by every VM of this process, saving results in the user's harness cache.</summary>
    public static AcceleratorProbe Default { get; } =
        new(QemuLauncher.Instance, Path.Combine(HarnessPaths.DefaultCacheRoot(), "state"));

    /// <summary>
    /// How long a KVM guest may take to print its first console line. A working KVM
    /// guest prints within well under a second; this leaves room for a loaded host.
    /// </summary>
    public TimeSpan FirstLineTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Returns the accelerator to boot <paramref name="kernelImage"/> with. A probe that
    /// completed is reused for the same QEMU and kernel for the rest of the process,
    /// so a fallback to TCG is logged once, at Warning; a probe that threw is retried.
    /// </summary>
    public Task<AcceleratorChoice> ChooseAsync(
        string qemuPath, string kernelImage, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        var kernel = new FileInfo(kernelImage);
        var key = $"{qemuPath}\0{kernel.FullName}\0{kernel.Length}\0{kernel.LastWriteTimeUtc.Ticks}";

        Lazy<Task<AcceleratorChoice>> NewProbe(string _) =>
            new(() => ChooseAndLogAsync(qemuPath, kernel.FullName, logger ?? NullLogger.Instance));

        var lazy = _choices.GetOrAdd(key, NewProbe);

        // A probe that failed earlier (QEMU missing, say) is not kept: this call probes again.
        if (lazy.IsValueCreated && (lazy.Value.IsFaulted || lazy.Value.IsCanceled))
        {
            _choices.TryRemove(new KeyValuePair<string, Lazy<Task<AcceleratorChoice>>>(key, lazy));
            lazy = _choices.GetOrAdd(key, NewProbe);
        }

        // The probe itself is not cancelled with the caller: other callers may share it, and it ends within seconds.
        return lazy.Value.WaitAsync(cancellationToken);
    }

    private async Task<AcceleratorChoice> ChooseAndLogAsync(string qemuPath, string kernelImage, ILogger logger)
    {
        var choice = await ChooseUncachedAsync(qemuPath, kernelImage, logger);
        var reason = choice.FromStateFile ? choice.Reason + "; result saved by an earlier run" : choice.Reason;
        if (choice.Accelerator == Accelerator.Kvm)
            logger.UsingKvm(reason);
        else if (_fallbackReasons.TryAdd(choice.Reason, true))
            logger.FallingBackToTcg(reason);
        else
            logger.LogDebug("Using TCG for {Kernel}: {Reason}", kernelImage, reason);
        return choice;
    }

    private async Task<AcceleratorChoice> ChooseUncachedAsync(string qemuPath, string kernelImage, ILogger logger)
    {
        if (!File.Exists(_kvmDevice))
            return new AcceleratorChoice(Accelerator.Tcg, $"{_kvmDevice} does not exist");

        try
        {
            using var device = new FileStream(_kvmDevice, FileMode.Open, FileAccess.ReadWrite);
        }
        catch (Exception exception) when (exception is UnauthorizedAccessException or IOException)
        {
            return new AcceleratorChoice(Accelerator.Tcg, $"{_kvmDevice} cannot be opened for reading and writing: {exception.Message}");
        }

        if (_stateDirectory is null)
            return await ProbeKvmAsync(qemuPath, kernelImage, logger);

        var inputs = await DescribeInputsAsync(qemuPath, kernelImage, logger);
        var statePath = StatePath(inputs);
        if (TryReadState(statePath) is { } saved)
            return saved with { FromStateFile = true };

        var choice = await ProbeKvmAsync(qemuPath, kernelImage, logger);
        WriteState(statePath, inputs with { Accelerator = choice.Accelerator, Reason = choice.Reason }, logger);
        return choice;
    }

    private async Task<AcceleratorChoice> ProbeKvmAsync(string qemuPath, string kernelImage, ILogger logger)
    {
        var command = QemuCommandLine.ForKvmProbe(qemuPath, kernelImage);
        logger.ProbingKvm(command.ToShellString());

        var firstLine = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var messages = new ConcurrentQueue<string>();
        var clock = Stopwatch.StartNew();
        await using var process = _launcher.Start(
            command,
            line =>
            {
                if (!string.IsNullOrWhiteSpace(line))
                    firstLine.TrySetResult(line);
            },
            messages.Enqueue);

        var timeout = Task.Delay(FirstLineTimeout);
        var first = await Task.WhenAny(firstLine.Task, process.Exited, timeout);
        var elapsed = clock.Elapsed;
        process.Kill();

        if (first == firstLine.Task)
            return new AcceleratorChoice(Accelerator.Kvm, $"a probe boot printed its first console line after {elapsed.TotalSeconds:0.00} s");

        if (first == process.Exited)
        {
            // The first message gives the cause (an MSR QEMU could not set, for
            // example), and the assertion after it adds nothing on later runs.
            var firstMessage = messages.FirstOrDefault() is { } message && message.Length > 120 ? message[..117] + "..." : messages.FirstOrDefault();
            return new AcceleratorChoice(Accelerator.Tcg,
                $"QEMU exited with code {await process.Exited} before the guest printed anything" +
                (firstMessage is not null ? $": {firstMessage}" : ""));
        }

        return new AcceleratorChoice(Accelerator.Tcg,
            $"a probe boot under KVM printed nothing within {FirstLineTimeout.TotalSeconds:0.#} s");
    }

    /// <summary>Describes the inputs the probe result depends on; the file name is a hash of them.</summary>
    private async Task<ProbeState> DescribeInputsAsync(string qemuPath, string kernelImage, ILogger logger)
    {
        var version = _readQemuVersion is null
            ? await ReadQemuVersionAsync(qemuPath, logger)
            : await _readQemuVersion(qemuPath, CancellationToken.None);
        var hostRelease = File.Exists("/proc/sys/kernel/osrelease")
            ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim()
            : Environment.OSVersion.VersionString;
        string kernelHash;
        await using (var kernel = File.OpenRead(kernelImage))
            kernelHash = Convert.ToHexStringLower(await SHA256.HashDataAsync(kernel));
        return new ProbeState(Accelerator.Tcg, "", version, kernelHash, hostRelease, DateTimeOffset.UtcNow);
    }

    private string StatePath(ProbeState inputs)
    {
        // "probe" is the probe's own version: a change in how it decides or
        // words its reason makes every saved result stale.
        var key = new ContentHash()
            .Add("probe", "2")
            .Add("qemu", inputs.QemuVersion)
            .Add("kernel", inputs.KernelSha256)
            .Add("host", inputs.HostKernelRelease)
            .ToShortHex();
        return Path.Combine(_stateDirectory!, $"accelerator-{key}.json");
    }

    private static AcceleratorChoice? TryReadState(string path)
    {
        if (!File.Exists(path))
            return null;
        try
        {
            var state = JsonSerializer.Deserialize<ProbeState>(File.ReadAllText(path), StateJson);
            return state is null ? null : new AcceleratorChoice(state.Accelerator, state.Reason);
        }
        catch (JsonException)
        {
            // A damaged file is ignored; the probe runs again and rewrites it.
            return null;
        }
    }

    private static void WriteState(string path, ProbeState state, ILogger logger)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temporary = $"{path}.{Environment.ProcessId}.tmp";
            File.WriteAllText(temporary, JsonSerializer.Serialize(state, StateJson));
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            logger.FailedToWriteProbeState(path, exception);
        }
    }

    private static async Task<string> ReadQemuVersionAsync(string qemuPath, ILogger logger)
    {
        var output = await new CommandRunner(logger).ReadAsync(
            ExternalCommand.Of(qemuPath, "--version").WithTimeout(TimeSpan.FromSeconds(10)));
        return output.Split('\n')[0];
    }
}

/// <summary>A saved probe result with the inputs it holds for, so that a reader can tell why it applies.</summary>
internal sealed record ProbeState(
    Accelerator Accelerator,
    string Reason,
    string QemuVersion,
    string KernelSha256,
    string HostKernelRelease,
    DateTimeOffset ProbedAt);
