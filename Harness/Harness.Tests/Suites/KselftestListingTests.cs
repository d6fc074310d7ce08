using Harness.Suites.Catalog;

namespace Harness.Tests.Suites;

[TestFixture]
public sealed class KselftestListingTests
{
    // As audit_test -l prints it (Linux 7.3.4): a fixture without tests, a
    // fixture without variants, and fixtures whose tests run once per variant.
    private const string AuditListing = """
        # FIXTURE            VARIANT                   TEST
        global                                         
        --------------------------------------------------------------------------------
        audit                                          layers
                                                       thread
        --------------------------------------------------------------------------------
        audit_flags          default                   signal
                             same_exec_off             
                             subdomains_off            
        --------------------------------------------------------------------------------
        layout4_disconnected_leafs s1d1_mount_src_parent     read_rename_exchange
        """;

    [Test]
    public void Variants_multiply_the_fixture_tests()
    {
        var names = KselftestListing.Parse(AuditListing);

        Assert.That(names, Is.EqualTo(new[]
        {
            "audit.layers",
            "audit.thread",
            "audit_flags.default.signal",
            "audit_flags.same_exec_off.signal",
            "audit_flags.subdomains_off.signal",
            "layout4_disconnected_leafs.s1d1_mount_src_parent.read_rename_exchange",
        }));
    }

    [Test]
    public void Fixture_without_tests_gives_no_names()
    {
        var names = KselftestListing.Parse("# FIXTURE            VARIANT                   TEST\nglobal                                         \n");

        Assert.That(names, Is.Empty);
    }
}
