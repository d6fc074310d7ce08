using System.Globalization;
using System.Text.RegularExpressions;

namespace Harness.Suites.Ktap;

/// <summary>
/// Incremental parser for KTAP v1, TAP 13 and TAP 14 output, including
/// kselftest's <c>"# "</c>-prefixed nesting, the kselftest harness's
/// <c>#  RUN</c> markers, kernel messages interleaved on a console, and output
/// cut short by a dying guest. Each result goes to the callback as soon as its
/// id is known; <see cref="Complete"/> reports the tests that never did.
/// </summary>
/// <remarks>
/// <para>The parser never throws on bad input (a fuzz test pins this): what does not
/// follow the format is recorded as a <see cref="KtapProblem"/> with its line
/// number. Calling it after <see cref="Complete"/> is a programming error and throws.</para>
/// <para>Nesting: a version line with more prefix than its level (spaces, or
/// <c>"# "</c> as kselftest's runner adds to every line of a test program) opens
/// a level for the subtests of the next result at the outer level. TAP 14
/// subtests, which may have no version line, open a level with an indented plan
/// or numbered result line.</para>
/// <para>Results of a level whose parent name is not yet known wait until it is:
/// the parent's name comes from a <c># Subtest:</c> header, from kselftest's
/// <c># selftests: dir: name</c> header, or else from the parent's own result
/// line, which KTAP prints after the subtests.</para>
/// <para>A result is held until the next line arrives, to collect a TAP 13/14
/// YAML block (<c>  ---</c> … <c>  ...</c>) into its output.</para>
/// <para>Not thread-safe: feed lines from one thread, in order.</para>
/// </remarks>
public sealed partial class KtapStreamParser
{
    private readonly string _idPrefix;
    private readonly Action<TestResult> _onResult;
    private readonly KtapParserOptions _options;
    private readonly List<KtapBlock> _blocks = [];
    private readonly BoundedLines _leftover;
    private readonly List<KtapProblem> _problems = [];
    private int _omittedProblems;
    private int _lineNumber;
    private TestCounts _counts = TestCounts.Empty;
    private int _delivered;
    private bool _completed;
    private bool _endedEarly;
    private string? _panicLine;
    private (KtapBlock Block, PendingResult Result)? _awaitingYaml;
    private bool _inYaml;

    /// <param name="idPrefix">Path put before every id, e.g. <c>landlock/base_test</c>; may be empty.</param>
    /// <param name="onResult">Receives each result, subtests before their parent.</param>
    /// <param name="options">Output limits; <see cref="KtapParserOptions.Default"/> when null.</param>
    public KtapStreamParser(string idPrefix, Action<TestResult> onResult, KtapParserOptions? options = null)
    {
        _idPrefix = idPrefix.Trim().TrimEnd('/');
        _onResult = onResult;
        _options = options ?? KtapParserOptions.Default;
        _leftover = new BoundedLines(_options.MaxOutputLinesPerTest);
        _blocks.Add(new KtapBlock(null, "", 0, _options.MaxOutputLinesPerTest));
    }

    public int LinesRead => _lineNumber;

    /// <summary>True once the kernel panicked or the top level bailed out: later lines are kept as output only.</summary>
    public bool Stopped => _panicLine is not null || Root.BailOutReason is not null;

    private KtapBlock Root => _blocks[0];

    private KtapBlock Innermost => _blocks[^1];

    /// <summary>
    /// Reads one line. A trailing <c>\r</c> is dropped, and a line that still contains
    /// <c>\n</c> is read as several lines.
    /// </summary>
    /// <exception cref="InvalidOperationException">When called after <see cref="Complete"/>.</exception>
    public void Feed(string line)
    {
        if (_completed)
            throw new InvalidOperationException("KtapStreamParser.Feed was called after Complete; create a new parser for a new stream.");

        if (!line.Contains('\n'))
        {
            FeedLine(line);
            return;
        }

        var parts = line.Split('\n');
        var count = line.EndsWith('\n') ? parts.Length - 1 : parts.Length;
        for (var i = 0; i < count; i++)
            FeedLine(parts[i]);
    }

    /// <summary>
    /// Ends the stream: reports every test that was announced or running but never
    /// printed a result as Error, closes open levels, and returns the summary.
    /// </summary>
    /// <param name="outputWasCutOff">
    /// True when the output stopped for a reason outside the test: the guest died,
    /// the SSH connection dropped, or a timeout killed the program. It changes only
    /// the wording of the messages for the missing tests.
    /// </param>
    public KtapSummary Complete(bool outputWasCutOff)
    {
        if (_completed)
            throw new InvalidOperationException("KtapStreamParser.Complete was called twice.");
        _completed = true;

        if (_inYaml)
        {
            AddProblem(_lineNumber, "the output ended inside a YAML block (no closing '...')");
            _inYaml = false;
        }
        FlushAwaitingResult();

        var cause = outputWasCutOff ? EndCause.CutOff : EndCause.Ended;
        while (_blocks.Count > 1)
            CloseInnermostUnreported(cause);
        FinalizeBlock(Root, cause);

        if (_omittedProblems > 0)
            _problems.Add(new KtapProblem(_lineNumber, $"{_omittedProblems} more problems were found but not listed"));

        return BuildSummary(outputWasCutOff);
    }

    private void FeedLine(string raw)
    {
        _lineNumber++;
        raw = raw.TrimEnd('\r');
        if (raw.Length > _options.MaxLineLength)
            raw = string.Concat(raw.AsSpan(0, _options.MaxLineLength), "…");
        var text = ConsoleTimestamp.Strip(raw);

        if (_panicLine is not null)
        {
            AddToInnermost(text);
            return;
        }

        if (_awaitingYaml is { } held && ContinueYaml(held.Block, held.Result, text))
            return;

        if (text.TrimStart().StartsWith("Kernel panic - not syncing", StringComparison.Ordinal))
        {
            // Nothing after a panic is test output. What follows is its backtrace,
            // which is worth keeping with the test that was running.
            _panicLine = text.Trim();
            AddToInnermost(text);
            return;
        }

        if (Root.BailOutReason is not null)
        {
            _leftover.Add(text);
            return;
        }

        var (block, rest) = FindLevel(text);
        var line = KtapLine.Classify(rest);
        switch (line.Kind)
        {
            case KtapLineKind.Version:
                OnVersion(block, line, rest);
                break;
            case KtapLineKind.Plan:
                OnPlan(block, line);
                break;
            case KtapLineKind.Result:
                OnResult(block, line, rest, text);
                break;
            case KtapLineKind.SubtestHeader:
                OnSubtestHeader(block, line, rest);
                break;
            case KtapLineKind.BailOut:
                OnBailOut(block, line, rest);
                break;
            case KtapLineKind.Diagnostic:
                OnDiagnostic(block, rest);
                break;
            default:
                AddToInnermost(text);
                break;
        }
    }

    /// <summary>Finds the deepest open level whose prefix <paramref name="text"/> starts with.</summary>
    private (KtapBlock Block, string Remainder) FindLevel(string text)
    {
        for (var i = _blocks.Count - 1; i >= 0; i--)
        {
            if (TryStripPrefix(text, _blocks[i].Prefix, out var rest))
                return (_blocks[i], rest);
        }
        return (Root, text);
    }

    private static bool TryStripPrefix(string text, string prefix, out string rest)
    {
        if (text.StartsWith(prefix, StringComparison.Ordinal))
        {
            rest = text[prefix.Length..];
            return true;
        }

        // An empty line inside a level loses the prefix's trailing spaces on many
        // consoles: "# " becomes "#".
        var trimmedPrefix = prefix.TrimEnd();
        if (text.TrimEnd().Length == trimmedPrefix.Length && text.StartsWith(trimmedPrefix, StringComparison.Ordinal))
        {
            rest = "";
            return true;
        }

        rest = text;
        return false;
    }

    private void OnVersion(KtapBlock block, KtapLine line, string rest)
    {
        if (block == Root && !Root.Started && line.Extra.Length > 0)
        {
            // The first version line sets the framing of the whole stream, the way
            // kunit.py takes whatever precedes "KTAP version" as a prefix to strip.
            Root.Prefix += line.Extra;
            StartBlock(Root, line.Text);
            return;
        }

        if (line.Extra.Length == 0)
        {
            if (!block.Started)
            {
                StartBlock(block, line.Text);
                return;
            }
            AddProblem(_lineNumber, $"a second version line '{line.Text}' at the same level was ignored");
            block.Pending.Add(rest);
            return;
        }

        var nested = OpenBlock(block, block.Prefix + line.Extra);
        StartBlock(nested, line.Text);
    }

    private static void StartBlock(KtapBlock block, string version)
    {
        block.Started = true;
        block.Version = version;
    }

    private void OnPlan(KtapBlock block, KtapLine line)
    {
        if (line.Extra.Length > 0)
        {
            if (block == Root && !Root.Started)
                Root.Prefix += line.Extra;
            else
                block = OpenBlock(block, block.Prefix + line.Extra);
        }

        block.Started = true;
        if (block.Plan is not null)
        {
            AddProblem(_lineNumber, $"a second plan line '{line.Text}' was ignored (the plan was 1..{block.Plan})");
            block.Pending.Add(line.Text);
            return;
        }

        block.Plan = line.PlanCount;
        var (status, _, reason) = KtapDirective.Interpret(ok: true, line.DirectiveText);
        if (status == TestStatus.Skip)
        {
            block.PlanSkipped = true;
            block.PlanSkipReason = reason;
        }

        // Lines before the plan are the level's header (KUnit's "# Subtest:",
        // "# module:"), not the first test's output. With a trailing TAP plan
        // they stay with the tests they preceded.
        block.Pending.Add(line.Text);
        if (block.Reported == 0)
            AddLeftover(block, block.Pending.Take());
    }

    private void OnResult(KtapBlock block, KtapLine line, string rest, string text)
    {
        if (line.Extra.Length > 0)
        {
            // Only a numbered result opens a TAP 14 subtest level: indented text
            // such as KUnit's "        ok == 1 (0x1)" must stay output.
            if (line.Number is null)
            {
                AddToInnermost(text);
                return;
            }
            if (block == Root && !Root.Started)
                Root.Prefix += line.Extra;
            else
                block = OpenBlock(block, block.Prefix + line.Extra);
        }

        if (block.BailOutReason is not null)
        {
            AddProblem(_lineNumber, $"result line after 'Bail out!' (line {block.BailOutLine}) was ignored");
            block.Pending.Add(rest);
            return;
        }

        block.Started = true;
        HandleResult(block, line);
    }

    private void HandleResult(KtapBlock block, KtapLine line)
    {
        // Levels deeper than the next one belong to tests that never reported.
        while (_blocks.Count - 1 > block.Depth + 1)
            CloseInnermostUnreported(EndCause.ParentReported);
        KtapBlock? child = null;
        if (_blocks.Count - 1 == block.Depth + 1)
        {
            child = Innermost;
            _blocks.RemoveAt(_blocks.Count - 1);
        }

        var number = CheckNumber(block, line.Number);
        var (status, directive, reason) = KtapDirective.Interpret(line.Ok, line.DirectiveText);

        var name = line.Description;
        string segment;
        if (child?.Segment is not null)
        {
            if (name.Length > 0 && name != child.Name)
                AddProblem(_lineNumber, $"result line names '{name}' but its subtests were announced as '{child.Name}'; the announced name is kept");
            name = child.Name!;
            segment = child.Segment;
        }
        else
        {
            if (name.Length == 0)
                name = child?.Name ?? block.RunningTest ?? TestIds.UnnamedTest;
            segment = AllocateSegment(block, name);
        }

        if (block.RunningTest is not null && block.RunningTest != name)
            AddProblem(_lineNumber, $"result for '{name}' while the harness was running '{block.RunningTest}'");
        block.RunningTest = null;
        block.NextChildName = null;

        var subtests = 0;
        var failedSubtests = 0;
        if (child is not null)
        {
            child.ClosedBy = line.Text;
            FinalizeBlock(child, EndCause.ParentReported);
            child.Name = name;
            AssignSegment(child, segment);
            subtests = child.DirectCounts.Total;
            failedSubtests = child.FailedChildren;
            (status, directive, reason) = CombineWithSubtests(name, status, directive, reason, child);
        }

        var result = new PendingResult
        {
            Segments = [segment],
            Names = [name],
            Status = status,
            Directive = directive,
            Reason = reason,
            Output = [.. block.Pending.Take()],
            Number = number,
            Line = _lineNumber,
            Subtests = subtests,
            FailedSubtests = failedSubtests,
        };
        Count(block, result);
        _awaitingYaml = (block, result);
    }

    private int CheckNumber(KtapBlock block, int? printed)
    {
        var expected = block.NextNumber;
        var number = printed ?? expected;
        if (number != expected)
            AddProblem(_lineNumber, $"test number {number} is out of order (expected {expected})");
        if (block.Plan is int plan && number > plan)
            AddProblem(_lineNumber, $"test number {number} is beyond the plan 1..{plan}");
        block.NextNumber = number + 1;
        return number;
    }

    private (TestStatus, string?, string?) CombineWithSubtests(
        string name, TestStatus status, string? directive, string? reason, KtapBlock child)
    {
        if (status.IsFailure())
            return (status, directive, reason);

        var subtests = child.DirectCounts.Total;
        if (child.FailedChildren > 0)
        {
            if (status == TestStatus.Pass)
                AddProblem(_lineNumber, $"'{name}' reported ok but {child.FailedChildren} of its subtests failed");
            return (TestStatus.Fail, directive, reason ?? $"{child.FailedChildren} of {subtests} subtests failed");
        }

        if (subtests > 0)
        {
            // KTAP leaves this to the parser; like kunit.py, a parent whose subtests
            // were all skipped is skipped, and one where nothing ran has no tests.
            var counts = child.DirectCounts;
            if (status == TestStatus.Pass && counts.Skip + counts.NoTests == subtests)
            {
                return counts.NoTests > 0
                    ? (TestStatus.NoTests, directive, reason ?? "no subtest ran")
                    : (TestStatus.Skip, directive, reason ?? "every subtest was skipped");
            }
            return (status, directive, reason);
        }

        if (child.PlanSkipped)
            return (TestStatus.Skip, directive ?? "SKIP", reason ?? child.PlanSkipReason);

        if (status == TestStatus.Pass)
            return (TestStatus.NoTests, directive, reason ?? (child.Plan == 0 ? "the plan is 1..0" : "no subtests reported"));

        return (status, directive, reason);
    }

    private void OnSubtestHeader(KtapBlock block, KtapLine line, string rest)
    {
        var name = line.Description;
        if (line.Extra.Length > 0 && !(block == Root && !Root.Started))
        {
            // TAP 14 allows the header at the child's indentation, before its plan.
            var nested = OpenBlock(block, block.Prefix + line.Extra);
            NameBlock(nested, name);
            nested.Pending.Add(line.Text);
            return;
        }

        if (block.Depth > 0 && block.Name is null && block.Reported == 0 && block.Plan is null)
        {
            // The level's own header, not output of its first test (KUnit's
            // parameterized tests have no plan line that would move it aside).
            NameBlock(block, name);
            AddLeftover(block, [rest]);
            return;
        }
        block.NextChildName = name;
        block.Pending.Add(rest);
    }

    private void OnBailOut(KtapBlock block, KtapLine line, string rest)
    {
        while (_blocks.Count - 1 > block.Depth)
            CloseInnermostUnreported(EndCause.BailOut);

        block.Started = true;
        block.BailOutReason = line.Description;
        block.BailOutLine = _lineNumber;
        block.Pending.Add(rest);
        if (block == Root)
            FinalizeBlock(Root, EndCause.BailOut);
    }

    private void OnDiagnostic(KtapBlock block, string rest)
    {
        var run = HarnessRunLine().Match(rest);
        if (run.Success)
        {
            var name = run.Groups["name"].Value.Trim();
            if (block.RunningTest is not null)
            {
                AddProblem(_lineNumber, $"'{block.RunningTest}' started but printed no result before '{name}' started");
                SynthesizeRunningTest(block, EndCause.NextTestStarted);
            }

            // The harness prints its own header lines before the first RUN; they
            // belong to the program, not to the first test.
            AddLeftover(block, block.Pending.Take());
            block.RunningTest = name;
            block.RunningTestLine = _lineNumber;
            block.Pending.Add(rest);
            return;
        }

        var selftest = RunnerHeaderLine().Match(rest);
        if (selftest.Success)
            block.NextChildName = "selftests: " + selftest.Groups["name"].Value.Trim();

        var totals = KselftestTotalsLine().Match(rest);
        if (totals.Success)
            CheckTotals(block, totals);

        block.Pending.Add(rest);
    }

    private void CheckTotals(KtapBlock block, Match totals)
    {
        int Field(string name) =>
            int.TryParse(totals.Groups[name].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : -1;

        var counts = block.DirectCounts;
        var printed = (Pass: Field("pass"), Fail: Field("fail"), XFail: Field("xfail"), XPass: Field("xpass"), Skip: Field("skip"), Error: Field("error"));
        // kselftest counts a TIMEOUT result line as a failure.
        var parsed = (Pass: counts.Pass, Fail: counts.Fail + counts.Timeout, counts.XFail, counts.XPass, counts.Skip, counts.Error);
        if (printed != parsed)
        {
            AddProblem(_lineNumber,
                $"the Totals line says pass:{printed.Pass} fail:{printed.Fail} xfail:{printed.XFail} xpass:{printed.XPass} skip:{printed.Skip} error:{printed.Error}, " +
                $"but the result lines give pass:{parsed.Pass} fail:{parsed.Fail} xfail:{parsed.XFail} xpass:{parsed.XPass} skip:{parsed.Skip} error:{parsed.Error}");
        }
    }

    private bool ContinueYaml(KtapBlock block, PendingResult result, string text)
    {
        var hasPrefix = TryStripPrefix(text, block.Prefix, out var rest);
        if (!_inYaml)
        {
            if (hasPrefix && YamlStartLine().IsMatch(rest))
            {
                _inYaml = true;
                result.Output.Add(rest);
                return true;
            }
            FlushAwaitingResult();
            return false;
        }

        if (!hasPrefix || (rest.Length > 0 && !char.IsWhiteSpace(rest[0])))
        {
            AddProblem(_lineNumber, "a YAML block was not closed with '...' before the next unindented line");
            _inYaml = false;
            FlushAwaitingResult();
            return false;
        }

        if (result.Output.Count < _options.MaxOutputLinesPerTest)
            result.Output.Add(rest);
        var duration = YamlDurationLine().Match(rest);
        if (duration.Success &&
            double.TryParse(duration.Groups["ms"].ValueSpan, NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds))
        {
            result.Duration = TimeSpan.FromMilliseconds(milliseconds);
        }

        if (YamlEndLine().IsMatch(rest))
        {
            _inYaml = false;
            FlushAwaitingResult();
        }
        return true;
    }

    private void FlushAwaitingResult()
    {
        if (_awaitingYaml is not { } held)
            return;
        _awaitingYaml = null;
        Deliver(held.Block, held.Result);
    }

    private void AddToInnermost(string text)
    {
        if (Root.BailOutReason is not null && _blocks.Count == 1)
        {
            _leftover.Add(text);
            return;
        }
        var innermost = Innermost;
        innermost.Pending.Add(TryStripPrefix(text, innermost.Prefix, out var rest) ? rest : text);
    }

    private void AddLeftover(KtapBlock block, IReadOnlyList<string> lines)
    {
        if (lines.Count == 0)
            return;
        if (block.Parent is null)
            _leftover.AddRange(lines);
        else
            block.Parent.Pending.AddRange(lines);
    }

    private void AddProblem(int line, string message)
    {
        if (_problems.Count < _options.MaxProblems)
            _problems.Add(new KtapProblem(line, message));
        else
            _omittedProblems++;
    }

    [GeneratedRegex(@"^#\s+RUN\s+(?<name>.+?)\s*\.\.\.\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex HarnessRunLine();

    [GeneratedRegex(@"^# selftests: (?<name>\S+: \S+)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex RunnerHeaderLine();

    [GeneratedRegex(@"^# Totals: pass:(?<pass>\d+) fail:(?<fail>\d+) xfail:(?<xfail>\d+) xpass:(?<xpass>\d+) skip:(?<skip>\d+) error:(?<error>\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex KselftestTotalsLine();

    [GeneratedRegex(@"^\s+---\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex YamlStartLine();

    [GeneratedRegex(@"^\s+\.\.\.\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex YamlEndLine();

    [GeneratedRegex(@"^\s+duration_ms:\s*(?<ms>[0-9.]+)", RegexOptions.CultureInvariant)]
    private static partial Regex YamlDurationLine();
}
