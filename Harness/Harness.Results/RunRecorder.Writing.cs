using Harness.Suites.Ktap;
using Harness.Suites.Splats;

namespace Harness.Results;

// Building the results document from the recorder's state, and writing the files.
public sealed partial class RunRecorder
{
    /// <summary>Notes a change and writes the files that are due. Called with the lock held.</summary>
    private void Changed(bool boundary)
    {
        _dataDirty = true;
        _reportDirty = true;
        var now = Now();
        var writeData = boundary || now - _lastDataWrite >= _options.DataInterval;
        var writeReport = boundary || now - _lastReportWrite >= _options.ReportInterval;
        if (writeData || writeReport)
            WriteDue(now, writeData, writeReport);
        ScheduleTimer(now);
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            if (_finalVerdict is not null || (!_dataDirty && !_reportDirty))
                return;
            var now = Now();
            var writeData = _dataDirty && now - _lastDataWrite >= _options.DataInterval;
            var writeReport = _reportDirty && now - _lastReportWrite >= _options.ReportInterval;
            if (writeData || writeReport)
                WriteDue(now, writeData, writeReport);
            ScheduleTimer(now);
        }
    }

    private void ScheduleTimer(DateTimeOffset now)
    {
        if (_finalVerdict is not null || _disposed)
            return;

        var due = TimeSpan.MaxValue;
        if (_dataDirty)
            due = _lastDataWrite + _options.DataInterval - now;
        if (_reportDirty)
            due = TimeSpan.FromTicks(Math.Min(due.Ticks, (_lastReportWrite + _options.ReportInterval - now).Ticks));
        if (due == TimeSpan.MaxValue)
            return;

        _timer.Change(due < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : due, Timeout.InfiniteTimeSpan);
    }

    private void WriteDue(DateTimeOffset now, bool writeData, bool writeReport)
    {
        var document = BuildDocument(now);
        if (writeData && TryWrite(() => WriteData(document)))
        {
            _dataDirty = false;
            _lastDataWrite = now;
        }
        if (writeReport && TryWrite(() => WriteReport(document)))
        {
            _reportDirty = false;
            _lastReportWrite = now;
        }
    }

    private void WriteAll(bool throwOnFailure, ResultsDocument? document = null)
    {
        var now = Now();
        document ??= BuildDocument(now);
        if (throwOnFailure)
        {
            WriteData(document);
            WriteReport(document);
        }
        else if (!TryWrite(() => WriteData(document)) | !TryWrite(() => WriteReport(document)))
        {
            return;
        }
        _dataDirty = false;
        _reportDirty = false;
        _lastDataWrite = now;
        _lastReportWrite = now;
    }

    private bool TryWrite(Action write)
    {
        try
        {
            write();
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            _writeFailures++;
            // The first failures show the cause. A full disk would otherwise log after every test.
            if (_writeFailures <= 3 || _writeFailures % 100 == 0)
                ResultsLog.WriteFailed(_logger, exception, Folder.Path, _writeFailures);
            return false;
        }
    }

    private void WriteData(ResultsDocument document)
    {
        AtomicFile.Write(Folder.ResultsJson, stream => ResultsJson.Write(stream, document));
        AtomicFile.Write(Folder.JUnitXml, stream => JUnitWriter.Write(stream, document));
        AtomicFile.WriteText(Folder.Summary, SummaryWriter.Render(document));
    }

    private void WriteReport(ResultsDocument document) =>
        AtomicFile.WriteText(Folder.Report, HtmlReportWriter.Render(document));

    private void WriteReproduceScript()
    {
        var document = BuildDocument(Now());
        var script = ReproduceScript.Render(document, _info.ReproduceCommand, _info.ReproduceDirectory);
        AtomicFile.Write(Folder.ReproduceScript, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            writer.Write(script);
        }, mode: UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                 UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    private ResultsDocument BuildDocument(DateTimeOffset now)
    {
        var suites = _suites.Select(BuildSuite).ToList();
        var runSplats = _runSplats.ToList();

        // Splats whose test never reported stay visible: under the suite the
        // runner named, or with the run when it named none.
        foreach (var (testId, waiting) in _splatsAwaitingTest)
        {
            foreach (var (suiteName, splat) in waiting)
            {
                var record = ToRecord(splat, testId, attributedTo: testId);
                var index = suiteName is null ? -1 : suites.FindIndex(suite => suite.Name == suiteName);
                if (index >= 0)
                {
                    suites[index] = suites[index] with
                    {
                        Splats = [.. suites[index].Splats, record],
                        Status = TestStatus.Fail,
                        Reason = suites[index].Reason ?? $"kernel {splat.Kind.ToLabel()} during {testId}, which never reported",
                    };
                }
                else
                    runSplats.Add(record);
            }
        }

        var counts = suites.Aggregate(TestCounts.Empty, (total, suite) => total.Add(suite.Counts));
        var splatCount = runSplats.Count + suites.Sum(suite => suite.Splats.Count + suite.Tests.Sum(test => test.Splats.Count));
        var verdict = _finalVerdict ?? RunVerdict.Running;

        return new ResultsDocument
        {
            RunId = RunId,
            Status = verdict,
            StatusReason = _finalReason,
            ExitCode = verdict.ToExitCode(),
            StartedAt = _info.StartedAt,
            EndedAt = _endedAt,
            UpdatedAt = now,
            CommandLine = _info.CommandLine,
            BaseVersion = _info.BaseVersion,
            Series = _info.Series,
            ProjectCommit = _info.ProjectCommit,
            ProjectChanged = _info.ProjectChanged,
            ConfigHash = _info.ConfigHash,
            Accelerator = _info.Accelerator,
            QemuVersion = _info.QemuVersion,
            Properties = _info.Properties,
            Stages = _stages.Select(stage => new StageRecord
            {
                Name = stage.Name,
                Status = stage.Status,
                StartedAt = stage.StartedAt,
                DurationSeconds = stage.EndedAt is { } ended ? (ended - stage.StartedAt).TotalSeconds : null,
                Message = stage.Message,
            }).ToArray(),
            Suites = suites,
            Splats = runSplats,
            Counts = counts,
            SplatCount = splatCount,
            Artifacts = Enum.GetValues<ArtifactKind>().Select(DescribeArtifact).ToArray(),
        };
    }

    private SuiteRecord BuildSuite(SuiteEntry suite)
    {
        var tests = suite.Tests.Select(ToRecord).ToArray();
        var counts = TestCounts.Empty;
        foreach (var test in tests.Where(test => test.Counted))
            counts = counts.Add(test.Status);
        var splats = suite.Splats.Select(splat => ToRecord(splat, testId: null, attributedTo: null)).ToArray();
        var testSplats = tests.Sum(test => test.Splats.Count);

        var (status, reason) = SuiteStatus(counts, splats.Length, suite.Outcome);
        return new SuiteRecord
        {
            Name = suite.Name,
            Status = status,
            Reason = reason,
            Finished = suite.Finished,
            StartedAt = suite.StartedAt,
            DurationSeconds = suite.EndedAt is { } ended ? (ended - suite.StartedAt).TotalSeconds : null,
            Counts = counts,
            Tests = tests,
            Splats = splats,
            Output = suite.Outcome?.Output ?? [],
            Problems = suite.Outcome?.Problems ?? [],
        };

        (TestStatus, string?) SuiteStatus(TestCounts counts, int suiteSplats, SuiteOutcome? outcome)
        {
            var failing = counts.Failures > 0 || suiteSplats > 0;
            var computed = failing
                ? TestStatus.Fail
                : counts.Total == 0
                    ? TestStatus.NoTests
                    : counts.Pass + counts.XPass + counts.XFail + counts.Todo == 0
                        ? (counts.NoTests > 0 ? TestStatus.NoTests : TestStatus.Skip)
                        : TestStatus.Pass;

            // The runner's status may add a failure the tests cannot show, but
            // never hides one they do show.
            var status = outcome?.Status is { } given && (given.IsFailure() || !failing) ? given : computed;
            var reason = outcome?.Reason;
            if (reason is null && failing)
            {
                var parts = new List<string>();
                if (counts.Failures > 0)
                    parts.Add($"{counts.Failures} of {counts.Total} test cases failed");
                if (suiteSplats + testSplats > 0)
                    parts.Add(suiteSplats + testSplats == 1 ? "1 kernel splat" : $"{suiteSplats + testSplats} kernel splats");
                reason = string.Join(", ", parts);
            }
            return (status, reason);
        }
    }

    private TestRecord ToRecord(TestEntry entry)
    {
        var result = entry.Result;
        var status = result.Status;
        TestStatus? reported = null;
        var reason = result.Reason;
        if (entry.Splats.Count > 0 && !status.IsFailure())
        {
            reported = status;
            status = TestStatus.Fail;
            reason = SplatFailure.Message(entry.Splats[0], result.Id, _info.VmlinuxPath);
        }

        return new TestRecord
        {
            Id = result.Id,
            Path = result.NamePath,
            Status = status,
            ReportedStatus = reported,
            Directive = result.Directive,
            Reason = reason,
            DurationSeconds = result.Duration?.TotalSeconds,
            Number = result.Number,
            Subtests = result.Subtests,
            FailedSubtests = result.FailedSubtests,
            Counted = result.Subtests == 0 || (status.IsFailure() && result.FailedSubtests == 0),
            Synthesized = result.Synthesized,
            Output = result.Output,
            Splats = entry.Splats.Select(splat => ToRecord(splat, result.Id, attributedTo: null)).ToArray(),
        };
    }

    private SplatRecord ToRecord(KernelSplat splat, string? testId, string? attributedTo) => new()
    {
        Kind = splat.Kind,
        Title = splat.Title,
        Message = SplatFailure.Message(splat, testId, _info.VmlinuxPath),
        Line = splat.Line,
        KernelTimeSeconds = splat.KernelTime?.TotalSeconds,
        SeenAt = splat.SeenAt,
        Truncated = splat.Truncated,
        TestId = attributedTo,
        Excerpt = splat.Excerpt,
    };

    private ArtifactRecord DescribeArtifact(ArtifactKind kind)
    {
        var file = new FileInfo(Folder.PathFor(kind));
        return new ArtifactRecord
        {
            Kind = RunFolder.Key(kind),
            Path = RunFolder.FileName(kind),
            Present = file.Exists,
            SizeBytes = file.Exists ? file.Length : null,
        };
    }

    /// <summary>
    /// Decides the verdict. Fail when a test case, a suite or the kernel failed.
    /// Otherwise Error when a stage failed, NoTests when no test ran (none
    /// reported, or all were skipped or had no tests), and Pass in any other case.
    /// </summary>
    internal static (RunVerdict Verdict, string? Reason) Decide(ResultsDocument document)
    {
        var counts = document.Counts;
        var failedSuites = document.Suites
            .Where(suite => suite.Status.IsFailure() && !suite.Tests.Any(test => test.Counted && test.Status.IsFailure()) && suite.Splats.Count == 0)
            .ToList();
        if (counts.Failures > 0 || failedSuites.Count > 0 || document.SplatCount > 0)
        {
            var parts = new List<string>();
            if (counts.Failures > 0)
                parts.Add(counts.Failures == 1 ? "1 test case failed" : $"{counts.Failures} test cases failed");
            parts.AddRange(failedSuites.Select(suite => $"suite {suite.Name} {suite.Status.ToKey()}: {suite.Reason ?? "no reason given"}"));
            if (document.SplatCount > 0)
                parts.Add(document.SplatCount == 1 ? "the kernel printed 1 splat" : $"the kernel printed {document.SplatCount} splats");
            return (RunVerdict.Fail, string.Join("; ", parts));
        }

        var failedStage = document.Stages.FirstOrDefault(stage => stage.Status == StageStatus.Fail);
        if (failedStage is not null)
            return (RunVerdict.Error, $"stage {failedStage.Name} failed: {failedStage.Message ?? "no message"}");

        if (counts.Pass + counts.XPass + counts.XFail + counts.Todo == 0)
        {
            return (RunVerdict.NoTests, counts.Total == 0
                ? "no test reported a result"
                : $"no test ran ({counts})");
        }
        return (RunVerdict.Pass, null);
    }
}
