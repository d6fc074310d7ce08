using Harness.VmTests.Support;

namespace Harness.VmTests.GuestSuites;

/// <summary>Every test of the c/part1 suite as an NUnit case, run in one guest.</summary>
[TestFixture]
public sealed class CPart1Tests : GuestSuiteFixture
{
    protected override string SuiteName => "c/part1";

    public static IEnumerable<TestCaseData> Cases() => GuestTestCatalog.For("c/part1");

    [TestCaseSource(nameof(Cases))]
    public Task Guest(GuestTestCase test) => RunCaseAsync(test);
}
