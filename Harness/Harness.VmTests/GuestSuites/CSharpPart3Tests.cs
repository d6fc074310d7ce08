using Harness.VmTests.Support;

namespace Harness.VmTests.GuestSuites;

/// <summary>Every test of the csharp/part3 suite as an NUnit case, run in one guest.</summary>
[TestFixture]
public sealed class CSharpPart3Tests : GuestSuiteFixture
{
    protected override string SuiteName => "csharp/part3";

    public static IEnumerable<TestCaseData> Cases() => GuestTestCatalog.For("csharp/part3");

    [TestCaseSource(nameof(Cases))]
    public Task Guest(GuestTestCase test) => RunCaseAsync(test);
}
