using Harness.VmTests.Support;

namespace Harness.VmTests.GuestSuites;

/// <summary>Every test of the kselftest/landlock suite as an NUnit case, run in one guest.</summary>
[TestFixture]
public sealed class KselftestLandlockTests : GuestSuiteFixture
{
    protected override string SuiteName => "kselftest/landlock";

    public static IEnumerable<TestCaseData> Cases() => GuestTestCatalog.For("kselftest/landlock");

    [TestCaseSource(nameof(Cases))]
    public Task Guest(GuestTestCase test) => RunCaseAsync(test);
}
