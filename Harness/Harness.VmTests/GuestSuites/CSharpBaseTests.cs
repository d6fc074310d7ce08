using Harness.VmTests.Support;

namespace Harness.VmTests.GuestSuites;

/// <summary>Every test of the csharp/base suite as an NUnit case, run in one guest.</summary>
[TestFixture]
public sealed class CSharpBaseTests : GuestSuiteFixture
{
    protected override string SuiteName => "csharp/base";

    public static IEnumerable<TestCaseData> Cases() => GuestTestCatalog.For("csharp/base");

    [TestCaseSource(nameof(Cases))]
    public Task Guest(GuestTestCase test) => RunCaseAsync(test);
}
