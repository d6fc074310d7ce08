using Harness.VmTests.Support;

namespace Harness.VmTests.GuestSuites;

/// <summary>Every test of the csharp/part2 suite as an NUnit case, run in one guest.</summary>
[TestFixture]
public sealed class CSharpPart2Tests : GuestSuiteFixture
{
    protected override string SuiteName => "csharp/part2";

    public static IEnumerable<TestCaseData> Cases() => GuestTestCatalog.For("csharp/part2");

    [TestCaseSource(nameof(Cases))]
    public Task Guest(GuestTestCase test) => RunCaseAsync(test);
}
