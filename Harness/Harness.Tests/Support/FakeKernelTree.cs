using Harness.Core;
using Harness.Series;

namespace Harness.Tests.Support;

/// <summary>
/// A small git repository that looks enough like a kernel tree for the series and
/// build stages: a top-level Makefile with a version, a C file, and (on request) a
/// Makefile that imitates kbuild's config and build targets with plain gcc.
/// </summary>
public sealed class FakeKernelTree : IDisposable
{
    private readonly TempDirectory _root = new();

    public FakeKernelTree(bool withBuildSystem = false)
    {
        Path = System.IO.Path.Combine(_root.Path, "linux");
        Directory.CreateDirectory(Path);
        Write("security/landlock/syscalls.c", string.Join('\n', Enumerable.Range(1, 40).Select(i => $"int value_{i} = {i};")) + "\n");
        Write("Makefile", withBuildSystem ? BuildMakefile : "VERSION = 7\nPATCHLEVEL = 3\nSUBLEVEL = 4\nEXTRAVERSION =\n");
        if (withBuildSystem)
        {
            Write("scripts/kconfig/merge_config.sh", MergeConfigScript);
            File.SetUnixFileMode(System.IO.Path.Combine(Path, "scripts/kconfig/merge_config.sh"),
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        Git("init", "-q", "-b", "master");
        Git("add", "-A");
        Git("commit", "-q", "-m", "base");
    }

    public string Path { get; }

    public string Root => _root.Path;

    public void Write(string relativePath, string content)
    {
        var full = System.IO.Path.Combine(Path, relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
    }

    /// <summary>Commits a change and returns it as a format-patch file in <paramref name="patchesDirectory"/>.</summary>
    public string CommitAsPatch(string patchesDirectory, string subject, string relativePath, string content)
    {
        Write(relativePath, content);
        Git("add", "-A");
        Git("commit", "-q", "-m", subject + "\n\nExplain why.\n\nSigned-off-by: Test <test@example.org>");
        var output = Git("format-patch", "-1", "--zero-commit", "--no-signature", "-o", patchesDirectory, "HEAD");
        return System.IO.Path.GetFileName(output.Trim());
    }

    public void ResetTo(string revision) => Git("reset", "-q", "--hard", revision);

    public string Git(params string[] arguments)
    {
        var command = GitIdentity.Apply(ExternalCommand.Of("git", arguments).In(Path));
        var outcome = new CommandRunner().RunAsync(command).GetAwaiter().GetResult();
        if (!outcome.Succeeded)
            throw new InvalidOperationException($"git {string.Join(' ', arguments)} failed: {outcome.StandardError}");
        return outcome.StandardOutput;
    }

    public void Dispose() => _root.Dispose();

    // Imitates the kbuild targets the builder runs: tinyconfig writes a .config,
    // olddefconfig drops CONFIG_NEEDS_MISSING and CONFIG_NO_SUCH_SYMBOL (as Kconfig
    // drops a symbol whose dependency is unmet, or that no Kconfig file defines), and bzImage compiles every .c file with gcc.
    private static readonly string BuildMakefile = string.Join('\n',
        "VERSION = 7",
        "PATCHLEVEL = 3",
        "SUBLEVEL = 4",
        "EXTRAVERSION =",
        "O ?= .",
        "SRC := $(CURDIR)",
        "",
        "tinyconfig:",
        "\t@printf 'CONFIG_64BIT=y\\n' > $(O)/.config",
        "",
        "olddefconfig:",
        "\t@sed -i -e '/^CONFIG_NEEDS_MISSING=/d' -e '/^CONFIG_NO_SUCH_SYMBOL=/d' $(O)/.config",
        "",
        "bzImage:",
        "\t@mkdir -p $(O)/arch/x86/boot $(O)/include/config",
        "\t@for f in $$(cd $(SRC) && find . -name '*.c' | sort); do echo \"  CC      $$f\"; gcc -c $(SRC)/$$f -o /dev/null || exit 1; done",
        "\t@echo fake > $(O)/arch/x86/boot/bzImage",
        "\t@echo 7.3.4-fake > $(O)/include/config/kernel.release",
        "",
        "headers_install:",
        "\t@mkdir -p $(O)/usr/include/linux",
        "");

    private const string MergeConfigScript = """
        #!/bin/sh
        # Usage as the builder calls it: merge_config.sh -m -O DIR DIR/.config FRAGMENT...
        out=$3; shift 4
        cat "$@" </dev/null | grep '^CONFIG_' >> "$out/.config" || true

        """;
}
