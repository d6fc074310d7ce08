using Harness.Runs.Bisect;

namespace Harness.Tests.Runs;

public sealed class BisectSearchTests
{
    /// <summary>A fake series: patches from <paramref name="firstBad"/> on fail, and the listed points cannot be tested.</summary>
    private static Func<int, CancellationToken, Task<BisectStep>> Series(int firstBad, params int[] untestable) =>
        (upTo, _) => Task.FromResult(new BisectStep(upTo, Verdict(upTo, firstBad, untestable), "fake", null));

    private static StepVerdict Verdict(int upTo, int firstBad, int[] untestable)
    {
        if (untestable.Contains(upTo))
            return StepVerdict.Untestable;
        return upTo >= firstBad ? StepVerdict.Bad : StepVerdict.Good;
    }

    [Test]
    public async Task Finds_the_first_bad_patch()
    {
        var result = await BisectSearch.RunAsync(0, 8, Series(firstBad: 5));

        Assert.That(result.Conclusion, Is.EqualTo(BisectConclusion.Found));
        Assert.That((result.LastGood, result.FirstBad), Is.EqualTo((4, 5)));
        Assert.That(result.Steps.Select(s => s.UpTo), Is.EqualTo(new[] { 8, 0, 4, 6, 5 }), "the ends first, then halves");
    }

    [TestCase(1)]
    [TestCase(8)]
    public async Task Finds_a_first_bad_patch_at_either_end(int firstBad)
    {
        var result = await BisectSearch.RunAsync(0, 8, Series(firstBad));

        Assert.That(result.Conclusion, Is.EqualTo(BisectConclusion.Found));
        Assert.That(result.FirstBad, Is.EqualTo(firstBad));
    }

    [Test]
    public async Task Steps_around_a_point_that_cannot_be_tested()
    {
        var result = await BisectSearch.RunAsync(0, 8, Series(firstBad: 6, untestable: [4]));

        Assert.That(result.Conclusion, Is.EqualTo(BisectConclusion.Found));
        Assert.That(result.FirstBad, Is.EqualTo(6));
        Assert.That(result.Steps.Select(s => s.UpTo), Is.EqualTo(new[] { 8, 0, 4, 3, 5, 6 }), "the untested point nearest the middle, lower first");
    }

    [Test]
    public async Task Untestable_point_before_first_bad_gives_range()
    {
        var result = await BisectSearch.RunAsync(0, 8, Series(firstBad: 5, untestable: [4]));

        Assert.That(result.Conclusion, Is.EqualTo(BisectConclusion.Ambiguous));
        Assert.That((result.LastGood, result.FirstBad), Is.EqualTo((3, 5)));
    }

    [Test]
    public async Task Untestable_neighbours_give_range()
    {
        var result = await BisectSearch.RunAsync(0, 8, Series(firstBad: 5, untestable: [4, 5, 6]));

        Assert.That(result.Conclusion, Is.EqualTo(BisectConclusion.Ambiguous));
        Assert.That((result.LastGood, result.FirstBad), Is.EqualTo((3, 7)));
        Assert.That(result.Reason, Does.Contain("one of patches 4 to 7"));
    }

    [Test]
    public async Task Passing_bad_end_leaves_nothing_to_bisect()
    {
        var result = await BisectSearch.RunAsync(0, 8, Series(firstBad: 9));

        Assert.That(result.Conclusion, Is.EqualTo(BisectConclusion.NothingToBisect));
        Assert.That(result.Reason, Does.Contain("pass with patches 1 to 8"));
        Assert.That(result.Steps, Has.Count.EqualTo(1), "nothing else is built once the bad end passes");
    }

    [Test]
    public async Task Failing_good_end_leaves_nothing_to_bisect()
    {
        var result = await BisectSearch.RunAsync(0, 8, Series(firstBad: 0));

        Assert.That(result.Conclusion, Is.EqualTo(BisectConclusion.NothingToBisect));
        Assert.That(result.Reason, Does.Contain("fail with the base alone as well"));
    }

    [Test]
    public void Bad_end_before_good_end_is_rejected()
    {
        Assert.ThrowsAsync<ArgumentException>(() => BisectSearch.RunAsync(5, 3, Series(firstBad: 4)));
    }
}
