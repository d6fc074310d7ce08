using Harness.VmTests.Support;

namespace Harness.VmTests.GuestSuites;

/// <summary>Every test of the c/part2 suite as an NUnit case, run in one guest.</summary>
[TestFixture]
public sealed class CPart2Tests : GuestSuiteFixture
{
    protected override string SuiteName => "c/part2";

    public static IEnumerable<TestCaseData> Cases() => GuestTestCatalog.For("c/part2");

    [TestCaseSource(nameof(Cases))]
    public Task Guest(GuestTestCase test) => RunCaseAsync(test);
}
