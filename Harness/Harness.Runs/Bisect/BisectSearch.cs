namespace Harness.Runs.Bisect;

/// <summary>What one bisect step found for the first N patches of the series.</summary>
public enum StepVerdict
{
    /// <summary>The tests passed: the breakage comes after these patches.</summary>
    Good,

    /// <summary>A test failed: the breakage is in these patches.</summary>
    Bad,

    /// <summary>No verdict: the kernel did not build, the guest did not boot, or no test matched.</summary>
    Untestable,
}

/// <summary>One tested point: the first <paramref name="UpTo"/> patches applied.</summary>
/// <param name="Detail">One line on why the step got its verdict, e.g. "2 failed" or the build error.</param>
/// <param name="RunFolder">The step's run folder under results/, when the run got that far.</param>
public sealed record BisectStep(int UpTo, StepVerdict Verdict, string Detail, string? RunFolder);

/// <summary>How a bisect ended.</summary>
public enum BisectConclusion
{
    /// <summary>One patch is the first bad one.</summary>
    Found,

    /// <summary>The first bad patch is one of several that could not be tested.</summary>
    Ambiguous,

    /// <summary>The ends did not disagree (or could not be tested), so there is nothing to bisect.</summary>
    NothingToBisect,
}

/// <summary>The outcome of a bisect, with every step in the order it ran.</summary>
/// <param name="LastGood">Highest patch count known good (0 is the base alone).</param>
/// <param name="FirstBad">Lowest patch count known bad: the first bad patch when <see cref="Conclusion"/> is Found.</param>
public sealed record BisectResult(BisectConclusion Conclusion, int LastGood, int FirstBad, string Reason, IReadOnlyList<BisectStep> Steps);

/// <summary>
/// Binary search over the first N patches of a series, like `git bisect run`:
/// the bad end is tested first, then the good end, then the middle of what is
/// left. A point that cannot be tested is skipped for the untested point
/// nearest the middle, as `git bisect skip` does.
/// </summary>
public static class BisectSearch
{
    public static async Task<BisectResult> RunAsync(int good, int bad, Func<int, CancellationToken, Task<BisectStep>> test,
        Action<BisectStep>? onStep = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(good);
        if (bad <= good)
            throw new ArgumentException($"The bad end ({bad} patches) must come after the good end ({good}).", nameof(bad));

        var steps = new List<BisectStep>();
        async Task<BisectStep> Step(int upTo)
        {
            var step = await test(upTo, cancellationToken);
            steps.Add(step);
            onStep?.Invoke(step);
            return step;
        }

        var badEnd = await Step(bad);
        if (badEnd.Verdict != StepVerdict.Bad)
        {
            var reason = badEnd.Verdict == StepVerdict.Good
                ? $"The tests pass with {Patches(bad)}, so there is no breakage to look for."
                : $"The tests could not run with {Patches(bad)}, so there is no bad end to start from. The reason: {badEnd.Detail.TrimEnd('.')}.";
            return new BisectResult(BisectConclusion.NothingToBisect, good, bad, reason, steps);
        }

        var goodEnd = await Step(good);
        if (goodEnd.Verdict != StepVerdict.Good)
        {
            var reason = goodEnd.Verdict == StepVerdict.Bad
                ? $"The tests fail with {Patches(good)} as well, so the breakage comes before the range."
                : $"The tests could not run with {Patches(good)}, so there is no good end to start from. The reason: {goodEnd.Detail.TrimEnd('.')}.";
            return new BisectResult(BisectConclusion.NothingToBisect, good, bad, reason, steps);
        }

        var untestable = new HashSet<int>();
        while (bad - good > 1)
        {
            var middle = (good + bad) / 2;
            var candidates = Enumerable.Range(good + 1, bad - good - 1)
                .Where(point => !untestable.Contains(point))
                .OrderBy(point => Math.Abs(point - middle))
                .ThenBy(point => point)
                .ToList();
            if (candidates.Count == 0)
            {
                return new BisectResult(BisectConclusion.Ambiguous, good, bad,
                    $"The first bad patch is one of patches {good + 1} to {bad}: the points between could not be tested.", steps);
            }

            var step = await Step(candidates[0]);
            switch (step.Verdict)
            {
                case StepVerdict.Good:
                    good = step.UpTo;
                    break;
                case StepVerdict.Bad:
                    bad = step.UpTo;
                    break;
                default:
                    untestable.Add(step.UpTo);
                    break;
            }
        }

        return new BisectResult(BisectConclusion.Found, good, bad, $"Patch {bad} is the first bad patch.", steps);
    }

    private static string Patches(int count)
    {
        if (count == 0)
            return "the base alone";
        return count == 1 ? "patch 1" : $"patches 1 to {count}";
    }
}
