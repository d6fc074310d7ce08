using Harness.Runs;

namespace Harness.Tests.Runs;

public sealed class FailureDiagnosticTests
{
    [Test]
    public void Finds_the_first_kselftest_assertion()
    {
        string[] output =
        [
            "#  RUN           global.abi_version ...",
            "# base_test.c:79:abi_version:Expected 12 (12) == landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION) (13)",
            "# base_test.c:80:abi_version:Expected 0 (0) == errno (22)",
            "# abi_version: Test failed",
        ];

        Assert.That(FailureDiagnostic.Find(output),
            Is.EqualTo("base_test.c:79:abi_version:Expected 12 (12) == landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION) (13)"));
    }

    [Test]
    public void Finds_a_csharp_test_diagnostic()
    {
        Assert.That(FailureDiagnostic.Find(["# CanaryTests.cs:21:fails_on_purpose:canary failure"]),
            Is.EqualTo("CanaryTests.cs:21:fails_on_purpose:canary failure"));
    }

    [Test]
    public void Returns_null_without_a_source_location()
    {
        Assert.That(FailureDiagnostic.Find(["# something went wrong", "not a location: 12"]), Is.Null);
    }

    [Test]
    public void Cuts_a_long_line()
    {
        var found = FailureDiagnostic.Find(["# fs_test.c:1:x:" + new string('a', 500)]);

        Assert.That(found, Has.Length.EqualTo(300));
        Assert.That(found, Does.EndWith("..."));
    }
}
