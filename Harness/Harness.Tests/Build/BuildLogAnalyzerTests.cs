using Harness.Build;

namespace Harness.Tests.Build;

[TestFixture]
public sealed class BuildLogAnalyzerTests
{
    private const string Tree = "/cache/trees/debian";
    private const string BuildDirectory = "/cache/builds/debian-abc";

    [Test]
    public void Undefined_reference_names_file_and_line()
    {
        string[] log =
        [
            "    ld: vmlinux.o: in function `hook_cred_free':",
            "    /cache/builds/debian-abc/../../trees/debian/security/landlock/cred.c:148: undefined reference to `landlock_put_staged'",
            "    make[3]: *** [scripts/Makefile.vmlinux:72: vmlinux.unstripped] Error 1",
        ];

        var error = BuildLogAnalyzer.FindErrors(log, Tree, BuildDirectory).Single();

        Assert.That(error.File, Is.EqualTo("security/landlock/cred.c"));
        Assert.That(error.Line, Is.EqualTo(148));
        Assert.That(error.Message, Is.EqualTo("undefined reference to `landlock_put_staged'"));
    }

    [Test]
    public void Relative_error_path_becomes_tree_path()
    {
        string[] log = ["../../trees/debian/security/landlock/syscalls.c:42:7: error: 'x' undeclared (first use in this function)"];

        var error = BuildLogAnalyzer.FindErrors(log, Tree, BuildDirectory).Single();

        Assert.That(error.File, Is.EqualTo("security/landlock/syscalls.c"));
        Assert.That(error.Line, Is.EqualTo(42));
        Assert.That(error.Column, Is.EqualTo(7));
    }

    [Test]
    public void Warnings_are_not_errors()
    {
        string[] log = ["../../trees/debian/security/landlock/syscalls.c:42:7: warning: unused variable 'x'"];

        Assert.That(BuildLogAnalyzer.FindErrors(log, Tree, BuildDirectory), Is.Empty);
    }
}
