using Harness.Suites.Ktap;
using Harness.Suites.Splats;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Harness.Results;

/// <summary>What <see cref="RunRecorder.Complete"/> concluded.</summary>
public sealed record RunOutcome(RunVerdict Verdict, string? Reason, TestCounts Counts, int SplatCount, RunFolder Folder)
{
    public int ExitCode => Verdict.ToExitCode();
}

/// <summary>
/// Writes <c>results/&lt;run-id&gt;/</c> while a run goes on, so that a run that
/// dies at any point leaves a valid results.json, junit.xml, summary.md and
/// report.html with everything that finished.
/// </summary>
/// <remarks>
/// <para>Every file is replaced atomically (temporary file, then rename), so a
/// reader never sees half a file. Stage and suite boundaries, splats, artifacts
/// and the end of the run rewrite all files at once. A test result rewrites
/// results.json, junit.xml and summary.md at most every
/// <see cref="RecorderOptions.DataInterval"/> and report.html at most every
/// <see cref="RecorderOptions.ReportInterval"/>; a timer writes what a burst of
/// results left pending. Rewriting everything after every result costs time
/// quadratic in the number of tests (see <see cref="RecorderOptions"/> for measurements).</para>
/// <para>A kernel splat attributed to a test makes that test fail, whatever it
/// reported and whichever of the two arrives first.</para>
/// <para>All members are thread-safe.</para>
/// </remarks>
public sealed partial class RunRecorder : IDisposable
{
    private readonly object _gate = new();
    private readonly RecorderOptions _options;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private readonly List<StageEntry> _stages = [];
    private readonly List<SuiteEntry> _suites = [];
    private readonly Dictionary<string, SuiteEntry> _suitesByName = new(StringComparer.Ordinal);
    private readonly List<SplatRecord> _runSplats = [];
    private readonly Dictionary<string, List<WaitingSplat>> _splatsAwaitingTest = new(StringComparer.Ordinal);
    private RunInfo _info;
    private RunVerdict? _finalVerdict;
    private string? _finalReason;
    private DateTimeOffset? _endedAt;
    private bool _dataDirty;
    private bool _reportDirty;
    private DateTimeOffset _lastDataWrite;
    private DateTimeOffset _lastReportWrite;
    private int _writeFailures;
    private bool _disposed;

    private RunRecorder(RunFolder folder, RunInfo info, RecorderOptions options, ILogger logger)
    {
        Folder = folder;
        _info = info;
        _options = options;
        _logger = logger;
        _timer = options.Time.CreateTimer(_ => OnTimer(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public RunFolder Folder { get; }

    public string RunId => Folder.RunId;

    /// <summary>
    /// Creates <c>&lt;resultsRoot&gt;/&lt;run id&gt;/</c>, writes every file once (status
    /// "running") and points <c>&lt;resultsRoot&gt;/latest</c> at it.
    /// </summary>
    /// <exception cref="ArgumentException">The run id cannot name a folder (see <see cref="RunIds.IsValid"/>).</exception>
    /// <exception cref="IOException">The run folder already exists with files in it, or cannot be created.</exception>
    public static RunRecorder Create(string resultsRoot, RunInfo info, RecorderOptions? options = null, ILogger? logger = null)
    {
        if (!RunIds.IsValid(info.RunId))
            throw new ArgumentException($"Run id '{info.RunId}' cannot name a results folder; use RunIds.New().", nameof(info));

        options ??= RecorderOptions.Default;
        logger ??= NullLogger.Instance;
        if (info.StartedAt == default)
            info = info with { StartedAt = options.Time.GetUtcNow() };

        var folder = new RunFolder(resultsRoot, info.RunId);
        if (Directory.Exists(folder.Path) && Directory.EnumerateFileSystemEntries(folder.Path).Any())
            throw new IOException($"The run folder '{folder.Path}' already exists and is not empty; start the run with a new id (RunIds.New).");
        Directory.CreateDirectory(folder.Path);

        var recorder = new RunRecorder(folder, info, options, logger);
        ResultsLog.RecordingRun(logger, info.RunId, folder.Path);
        lock (recorder._gate)
        {
            recorder.WriteReproduceScript();
            recorder.WriteAll(throwOnFailure: true);
        }
        recorder.UpdateLatestLink();
        return recorder;
    }

    /// <summary>Changes the run's metadata, e.g. once the accelerator and QEMU version are known.</summary>
    public void UpdateInfo(Func<RunInfo, RunInfo> update)
    {
        lock (_gate)
        {
            ThrowIfFinished();
            var updated = update(_info);
            if (updated.RunId != _info.RunId)
                throw new ArgumentException($"The run id of a recorded run cannot change (from '{_info.RunId}' to '{updated.RunId}').", nameof(update));
            _info = updated;
            WriteReproduceScript();
            Changed(boundary: true);
        }
    }

    public void BeginStage(string name)
    {
        lock (_gate)
        {
            ThrowIfFinished();
            _stages.Add(new StageEntry(name, Now()));
            Changed(boundary: true);
        }
    }

    /// <summary>Ends the latest running stage called <paramref name="name"/>; one that was never begun is recorded as starting now.</summary>
    public void EndStage(string name, StageStatus status, string? message = null)
    {
        if (status == StageStatus.Running)
            throw new ArgumentException("A stage cannot end with status Running.", nameof(status));

        lock (_gate)
        {
            ThrowIfFinished();
            var now = Now();
            var stage = _stages.LastOrDefault(entry => entry.Name == name && entry.Status == StageStatus.Running);
            if (stage is null)
            {
                stage = new StageEntry(name, now);
                _stages.Add(stage);
            }
            stage.Status = status;
            stage.EndedAt = now;
            stage.Message = message;
            Changed(boundary: true);
        }
    }

    public void BeginSuite(string name)
    {
        lock (_gate)
        {
            ThrowIfFinished();
            var suite = GetOrAddSuite(name);
            suite.Finished = false;
            suite.EndedAt = null;
            Changed(boundary: true);
        }
    }

    /// <summary>
    /// Records a test result under <paramref name="suite"/> (begun now if it was
    /// not). A second result with the same id replaces the first, e.g. to add the
    /// duration the runner measured.
    /// </summary>
    public void Record(string suite, TestResult result)
    {
        lock (_gate)
        {
            ThrowIfFinished();
            var entry = GetOrAddSuite(suite);
            if (entry.TestIndex.TryGetValue(result.Id, out var index))
            {
                entry.Tests[index].Result = result;
            }
            else
            {
                entry.TestIndex[result.Id] = entry.Tests.Count;
                entry.Tests.Add(new TestEntry(result));
            }

            if (_splatsAwaitingTest.Remove(result.Id, out var waiting))
                entry.Tests[entry.TestIndex[result.Id]].Splats.AddRange(waiting.Select(item => item.Splat));
            Changed(boundary: false);
        }
    }

    /// <summary>
    /// Records a kernel splat. With <paramref name="testId"/> it belongs to that test
    /// and makes it fail (the test may report before or after); with only
    /// <paramref name="suite"/> it fails the suite; with neither it fails the run.
    /// </summary>
    public void RecordSplat(KernelSplat splat, string? suite = null, string? testId = null)
    {
        lock (_gate)
        {
            ThrowIfFinished();
            if (testId is not null)
            {
                var owner = FindTest(suite, testId);
                if (owner is not null)
                {
                    owner.Splats.Add(splat);
                }
                else
                {
                    if (!_splatsAwaitingTest.TryGetValue(testId, out var waiting))
                        _splatsAwaitingTest[testId] = waiting = [];
                    waiting.Add(new WaitingSplat(suite, splat));
                }
            }
            else if (suite is not null)
            {
                GetOrAddSuite(suite).Splats.Add(splat);
            }
            else
            {
                _runSplats.Add(ToRecord(splat, testId: null, attributedTo: null));
            }
            Changed(boundary: true);
        }
    }

    public void EndSuite(string name, SuiteOutcome? outcome = null)
    {
        lock (_gate)
        {
            ThrowIfFinished();
            var suite = GetOrAddSuite(name);
            suite.Finished = true;
            suite.EndedAt = Now();
            suite.Outcome = outcome;
            Changed(boundary: true);
        }
    }

    /// <summary>
    /// Copies a finished log into the run folder (atomically, replacing an earlier
    /// copy). A log that grows during the run can instead be written straight to
    /// <see cref="RunFolder.PathFor"/>.
    /// </summary>
    public void CopyArtifact(ArtifactKind kind, string sourcePath)
    {
        var destination = Folder.PathFor(kind);
        if (Path.GetFullPath(sourcePath) != destination)
            AtomicFile.Copy(sourcePath, destination);

        lock (_gate)
        {
            // A log copied after the run ended still has to show up in the files.
            if (_finalVerdict is null)
                Changed(boundary: true);
            else
                WriteAll(throwOnFailure: false);
        }
    }

    /// <summary>
    /// Ends the run: stages still running are recorded as failed, suites still
    /// open as finished, the verdict is decided and every file written a last
    /// time. Write errors are thrown here, unlike during the run.
    /// </summary>
    public RunOutcome Complete()
    {
        lock (_gate)
        {
            ThrowIfFinished();
            var now = Now();
            CloseOpenParts(now, "still running when the run completed", interrupted: false);
            _endedAt = now;

            var (verdict, reason) = Decide(BuildDocument(now));
            _finalVerdict = verdict;
            _finalReason = reason;
            var document = BuildDocument(now);
            WriteAll(throwOnFailure: true, document);
            ResultsLog.Completed(_logger, RunId, verdict.ToKey(), document.Counts.ToString());
            return new RunOutcome(verdict, reason, document.Counts, document.SplatCount, Folder);
        }
    }

    /// <summary>Ends the run as Incomplete with <paramref name="reason"/>; does nothing once the run has ended.</summary>
    public void Abort(string reason) => End(RunVerdict.Incomplete, reason);

    /// <summary>Ends the run as Cancelled with <paramref name="reason"/>; does nothing once the run has ended.</summary>
    public void Cancel(string reason) => End(RunVerdict.Cancelled, reason);

    private void End(RunVerdict verdict, string reason)
    {
        lock (_gate)
        {
            if (_finalVerdict is not null)
                return;
            var now = Now();
            CloseOpenParts(now, $"interrupted: {reason}", interrupted: true);
            _endedAt = now;
            _finalVerdict = verdict;
            _finalReason = reason;
            ResultsLog.Aborted(_logger, RunId, verdict.ToKey(), reason);
            WriteAll(throwOnFailure: false);
        }
    }

    /// <summary>Writes every file now, regardless of the intervals.</summary>
    public void Flush()
    {
        lock (_gate)
            WriteAll(throwOnFailure: false);
    }

    /// <summary>The results as they would be written now.</summary>
    public ResultsDocument Snapshot()
    {
        lock (_gate)
            return BuildDocument(Now());
    }

    /// <summary>Aborts a run that was not completed, so its files record it as incomplete rather than running.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
        }
        Abort("the harness stopped before completing the run");
        _timer.Dispose();
    }

    private DateTimeOffset Now() => _options.Time.GetUtcNow();

    private void ThrowIfFinished()
    {
        if (_finalVerdict is not null)
            throw new InvalidOperationException($"Run {RunId} has already ended ({_finalVerdict.Value.ToKey()}); nothing more can be recorded.");
    }

    private SuiteEntry GetOrAddSuite(string name)
    {
        if (_suitesByName.TryGetValue(name, out var suite))
            return suite;
        suite = new SuiteEntry(name, Now());
        _suitesByName[name] = suite;
        _suites.Add(suite);
        return suite;
    }

    private TestEntry? FindTest(string? suite, string testId)
    {
        if (suite is not null)
        {
            return _suitesByName.TryGetValue(suite, out var entry) && entry.TestIndex.TryGetValue(testId, out var index)
                ? entry.Tests[index]
                : null;
        }
        foreach (var entry in _suites)
        {
            if (entry.TestIndex.TryGetValue(testId, out var index))
                return entry.Tests[index];
        }
        return null;
    }

    private void CloseOpenParts(DateTimeOffset now, string message, bool interrupted)
    {
        foreach (var stage in _stages.Where(stage => stage.Status == StageStatus.Running))
        {
            stage.Status = StageStatus.Fail;
            stage.EndedAt = now;
            stage.Message = message;
        }
        // A suite cut off is an error even when every test it reported passed:
        // its remaining programs never ran, and a CI reader must not see a pass.
        foreach (var suite in _suites.Where(suite => !suite.Finished))
        {
            suite.Finished = true;
            suite.EndedAt = now;
            if (interrupted)
                suite.Outcome = (suite.Outcome ?? new SuiteOutcome()) with { Status = TestStatus.Error, Reason = message };
        }
    }

    private void UpdateLatestLink()
    {
        var link = Path.Combine(Folder.ResultsRoot, "latest");
        try
        {
            AtomicFile.ReplaceSymlink(link, RunId);
        }
        catch (IOException exception)
        {
            // The link is a convenience; a run must not fail because of it.
            ResultsLog.WriteFailed(_logger, exception, link, ++_writeFailures);
        }
    }

    private sealed class StageEntry(string name, DateTimeOffset startedAt)
    {
        public string Name { get; } = name;
        public DateTimeOffset StartedAt { get; } = startedAt;
        public StageStatus Status { get; set; } = StageStatus.Running;
        public DateTimeOffset? EndedAt { get; set; }
        public string? Message { get; set; }
    }

    private sealed class SuiteEntry(string name, DateTimeOffset startedAt)
    {
        public string Name { get; } = name;
        public DateTimeOffset StartedAt { get; } = startedAt;
        public DateTimeOffset? EndedAt { get; set; }
        public bool Finished { get; set; }
        public SuiteOutcome? Outcome { get; set; }
        public List<TestEntry> Tests { get; } = [];
        public Dictionary<string, int> TestIndex { get; } = new(StringComparer.Ordinal);
        public List<KernelSplat> Splats { get; } = [];
    }

    private sealed class TestEntry(TestResult result)
    {
        public TestResult Result { get; set; } = result;
        public List<KernelSplat> Splats { get; } = [];
    }

    private sealed record WaitingSplat(string? Suite, KernelSplat Splat);
}
