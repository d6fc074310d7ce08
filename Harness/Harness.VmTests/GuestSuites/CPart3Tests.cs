using Harness.VmTests.Support;

namespace Harness.VmTests.GuestSuites;

/// <summary>Every test of the c/part3 suite as an NUnit case, run in one guest.</summary>
[TestFixture]
public sealed class CPart3Tests : GuestSuiteFixture
{
    protected override string SuiteName => "c/part3";

    public static IEnumerable<TestCaseData> Cases() => GuestTestCatalog.For("c/part3");

    [TestCaseSource(nameof(Cases))]
    public Task Guest(GuestTestCase test) => RunCaseAsync(test);
}
