namespace Harness.Suites.Ktap;

// Opening and closing nesting levels, giving results their ids, and creating
// results for tests that never printed one.
public sealed partial class KtapStreamParser
{
    /// <summary>Why a level is being closed while tests in it may still be waiting for a result.</summary>
    private enum EndCause
    {
        ParentReported,
        NextTestStarted,
        NewLevelStarted,
        BailOut,
        Panic,
        CutOff,
        Ended,
    }

    private KtapBlock OpenBlock(KtapBlock parent, string prefix)
    {
        while (_blocks.Count - 1 > parent.Depth)
            CloseInnermostUnreported(EndCause.NewLevelStarted);

        parent.Started = true;
        var block = new KtapBlock(parent, prefix, _lineNumber, _options.MaxOutputLinesPerTest);
        _blocks.Add(block);
        if (parent.NextChildName is { } name)
        {
            parent.NextChildName = null;
            NameBlock(block, name);
        }
        return block;
    }

    private void NameBlock(KtapBlock block, string name)
    {
        block.Name = name.Length == 0 ? TestIds.UnnamedTest : name;
        AssignSegment(block, AllocateSegment(block.Parent!, block.Name));
    }

    private string AllocateSegment(KtapBlock level, string name)
    {
        var segment = level.Segments.Allocate(name, out var earlier);
        // kselftest prints "ok 3 # SKIP reason" without a name as a matter of
        // course; only repeated real names are worth a problem.
        if (earlier > 0 && name != TestIds.UnnamedTest)
            AddProblem(_lineNumber, $"test name '{name}' repeats at the same level; this one's id ends in '{segment}'");
        return segment;
    }

    private void AssignSegment(KtapBlock block, string segment)
    {
        block.Segment = segment;
        if (block.Buffer.Count == 0)
            return;

        var waiting = block.Buffer.ToList();
        block.Buffer.Clear();
        foreach (var result in waiting)
            Deliver(block, result);
    }

    /// <summary>
    /// Passes a result up through its enclosing levels, prefixing each level's
    /// segment, until it reaches the top (and the callback) or a level whose
    /// parent name is not known yet (and waits there).
    /// </summary>
    private void Deliver(KtapBlock block, PendingResult result)
    {
        var level = block;
        while (level.Parent is not null)
        {
            if (level.Segment is null)
            {
                level.Buffer.Add(result);
                return;
            }
            result.Segments.Insert(0, level.Segment);
            result.Names.Insert(0, level.Name!);
            level = level.Parent;
        }
        Emit(result);
    }

    private void Emit(PendingResult result)
    {
        var test = new TestResult
        {
            Id = TestIds.Join(_idPrefix, result.Segments),
            NamePath = result.Names.ToArray(),
            Status = result.Status,
            Directive = result.Directive,
            Reason = result.Reason,
            Duration = result.Duration,
            Output = result.Output,
            Number = result.Number,
            Line = result.Line,
            Subtests = result.Subtests,
            FailedSubtests = result.FailedSubtests,
            Synthesized = result.Synthesized,
        };
        _delivered++;
        if (test.CountsAsTestCase)
            _counts = _counts.Add(test.Status);
        _onResult(test);
    }

    private static void Count(KtapBlock block, PendingResult result)
    {
        if (!result.Synthesized)
            block.Reported++;
        block.DirectCounts = block.DirectCounts.Add(result.Status);
        if (result.Status.IsFailure())
            block.FailedChildren++;
    }

    /// <summary>
    /// Creates Error results for the test the kselftest harness was running and
    /// for the planned tests that never reported, then hands the level's remaining
    /// lines to the level around it.
    /// </summary>
    private void FinalizeBlock(KtapBlock block, EndCause cause)
    {
        cause = EffectiveCause(block, cause);
        if (block.RunningTest is not null)
            SynthesizeRunningTest(block, cause);

        if (block.Plan is int plan)
        {
            if (block.NextNumber <= plan)
            {
                var first = block.NextNumber;
                var missing = (long)plan - first + 1;
                AddProblem(_lineNumber, missing == 1
                    ? $"the plan 1..{plan} announced {plan} tests; test {first} never reported"
                    : $"the plan 1..{plan} announced {plan} tests; tests {first} to {plan} never reported");

                if (missing <= _options.MaxMissingResults)
                {
                    for (var number = first; number <= plan; number++)
                        SynthesizeMissing(block, $"(missing {number})", number, cause);
                }
                else
                {
                    SynthesizeMissing(block, $"(missing {first}-{plan})", first, cause);
                }
                block.NextNumber = plan == int.MaxValue ? plan : plan + 1;
            }
            else if (block.Reported > plan && !block.PlanSkipped)
            {
                AddProblem(_lineNumber, $"the plan 1..{plan} announced {plan} tests but {block.Reported} reported");
            }
        }

        AddLeftover(block, block.Pending.Take());
    }

    private EndCause EffectiveCause(KtapBlock block, EndCause cause)
    {
        if (_panicLine is not null)
            return EndCause.Panic;
        if (block.BailOutReason is not null)
            return EndCause.BailOut;
        return cause;
    }

    private void SynthesizeRunningTest(KtapBlock block, EndCause cause)
    {
        var name = block.RunningTest!;
        var result = new PendingResult
        {
            Segments = [AllocateSegment(block, name)],
            Names = [name],
            Status = TestStatus.Error,
            Reason = $"started at line {block.RunningTestLine} but printed no result: {Explain(block, cause)}",
            Output = [.. block.Pending.Take()],
            Number = block.NextNumber++,
            Line = _lineNumber,
            Synthesized = true,
        };
        block.RunningTest = null;
        NoteEndedEarly(cause);
        Count(block, result);
        Deliver(block, result);
    }

    private void SynthesizeMissing(KtapBlock block, string name, int number, EndCause cause)
    {
        var result = new PendingResult
        {
            Segments = [AllocateSegment(block, name)],
            Names = [name],
            Status = TestStatus.Error,
            Reason = $"no result: {Explain(block, cause)}",
            Output = [],
            Number = number,
            Line = _lineNumber,
            Synthesized = true,
        };
        NoteEndedEarly(cause);
        Count(block, result);
        Deliver(block, result);
    }

    /// <summary>
    /// Closes the innermost level as the subtests of a parent test that never
    /// printed its own result line, and creates an Error result for that parent.
    /// </summary>
    private void CloseInnermostUnreported(EndCause cause)
    {
        var child = Innermost;
        _blocks.RemoveAt(_blocks.Count - 1);
        var parent = child.Parent!;

        FinalizeBlock(child, cause);
        if (child.Segment is null)
        {
            var name = child.Name ?? parent.RunningTest ?? TestIds.UnnamedTest;
            child.Name = name;
            AssignSegment(child, AllocateSegment(parent, name));
        }
        parent.RunningTest = null;

        cause = EffectiveCause(parent, cause);
        var result = new PendingResult
        {
            Segments = [child.Segment!],
            Names = [child.Name!],
            Status = TestStatus.Error,
            Reason = $"no result line for this parent test: {Explain(parent, cause)}",
            Output = [.. parent.Pending.Take()],
            Number = parent.NextNumber++,
            Line = _lineNumber,
            Subtests = child.DirectCounts.Total,
            FailedSubtests = child.FailedChildren,
            Synthesized = true,
        };
        NoteEndedEarly(cause);
        Count(parent, result);
        Deliver(parent, result);
    }

    private void NoteEndedEarly(EndCause cause)
    {
        if (cause is EndCause.CutOff or EndCause.Ended or EndCause.Panic)
            _endedEarly = true;
    }

    private string Explain(KtapBlock block, EndCause cause) => cause switch
    {
        EndCause.ParentReported => block.ClosedBy is null
            ? "the parent test reported first"
            : $"the parent test reported first ({block.ClosedBy})",
        EndCause.NextTestStarted => "the next test started first",
        EndCause.NewLevelStarted => "a new list of subtests started first",
        EndCause.BailOut => $"the test program bailed out first (line {block.BailOutLine}: {BailOutText(block.BailOutReason)})",
        EndCause.Panic => $"the kernel panicked first ({_panicLine})",
        EndCause.CutOff => "the output was cut off first (the guest died, or the connection or the command was stopped)",
        _ => "the output ended first",
    };

    private static string BailOutText(string? reason) =>
        string.IsNullOrEmpty(reason) ? "Bail out!" : $"Bail out! {reason}";

    private KtapSummary BuildSummary(bool outputWasCutOff)
    {
        var root = Root;
        if (!root.Started)
            AddProblem(_lineNumber, "no version, plan or result line was found");

        TestStatus status;
        string? reason = null;
        var end = KtapEnd.Complete;
        if (_panicLine is not null)
        {
            status = TestStatus.Error;
            reason = $"the kernel panicked: {_panicLine}";
            end = KtapEnd.KernelPanic;
        }
        else if (root.BailOutReason is not null)
        {
            status = TestStatus.Error;
            reason = BailOutText(root.BailOutReason);
            end = KtapEnd.BailedOut;
        }
        else if (_endedEarly || (outputWasCutOff && root.Plan is null))
        {
            status = TestStatus.Error;
            end = outputWasCutOff ? KtapEnd.OutputCutOff : KtapEnd.OutputEnded;
            reason = _endedEarly
                ? (outputWasCutOff ? "the output was cut off before every test reported" : "the output ended before every test reported")
                : "the output was cut off and had no plan, so tests may be missing";
        }
        else if (root.DirectCounts.Total == 0)
        {
            status = root.PlanSkipped ? TestStatus.Skip : TestStatus.NoTests;
            reason = root.PlanSkipped
                ? root.PlanSkipReason
                : root.Plan == 0 ? "the plan is 1..0" : "no test results in the output";
        }
        else if (root.FailedChildren > 0)
        {
            status = TestStatus.Fail;
            reason = $"{root.FailedChildren} of {root.DirectCounts.Total} tests failed";
        }
        else if (root.DirectCounts.Skip + root.DirectCounts.NoTests == root.DirectCounts.Total)
        {
            status = root.DirectCounts.NoTests > 0 ? TestStatus.NoTests : TestStatus.Skip;
            reason = root.DirectCounts.NoTests > 0 ? "no test ran" : "every test was skipped";
        }
        else
        {
            status = TestStatus.Pass;
        }

        return new KtapSummary
        {
            Status = status,
            Reason = reason,
            End = end,
            Version = root.Version,
            Plan = root.Plan,
            Counts = _counts,
            Results = _delivered,
            Problems = _problems.ToArray(),
            Output = _leftover.Take(),
            LinesRead = _lineNumber,
            BailOutReason = root.BailOutReason,
            PanicLine = _panicLine,
        };
    }
}
