using Harness.VmTests.Support;

namespace Harness.VmTests.GuestSuites;

/// <summary>Every test of the csharp/part1 suite as an NUnit case, run in one guest.</summary>
[TestFixture]
public sealed class CSharpPart1Tests : GuestSuiteFixture
{
    protected override string SuiteName => "csharp/part1";

    public static IEnumerable<TestCaseData> Cases() => GuestTestCatalog.For("csharp/part1");

    [TestCaseSource(nameof(Cases))]
    public Task Guest(GuestTestCase test) => RunCaseAsync(test);
}
