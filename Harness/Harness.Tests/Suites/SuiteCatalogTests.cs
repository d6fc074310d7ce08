using Harness.Suites.Catalog;
using Harness.Tests.Support;

namespace Harness.Tests.Suites;

public sealed class SuiteCatalogTests
{
    private static TempDirectory Checkout()
    {
        var checkout = new TempDirectory();
        checkout.Write("selftests/c/part1/Makefile", "list:\n");
        checkout.Write("selftests/c/part2/Makefile", "list:\n");
        return checkout;
    }

    [TestCase("kselftest/landlock")]
    [TestCase("c/part1")]
    [TestCase("c/")]
    [TestCase("part2")]
    [TestCase("in-tree")]
    public void Known_suite_patterns_pass_check(string pattern)
    {
        using var checkout = Checkout();

        Assert.DoesNotThrow(() => SuiteCatalog.CheckPatterns(checkout.Path, [], [pattern]));
    }

    [Test]
    public void Unknown_suite_lists_known_suites()
    {
        using var checkout = Checkout();

        var error = Assert.Throws<ArgumentException>(() => SuiteCatalog.CheckPatterns(checkout.Path, [], ["c/part1", "nosuch"]));

        Assert.That(error!.Message, Does.StartWith("No suite matches --suite nosuch."));
        Assert.That(error.Message, Does.Contain("kselftest/landlock, c/part1, c/part2"));
    }
}
