using Harness.Core;
using Harness.Image.Elf;
using Harness.Tests.Support;
using NUnit.Framework;

namespace Harness.Tests.Image;

[TestFixture]
[CancelAfter(60_000)]
public sealed class SharedLibraryResolverTests
{
    private const string Dropbear = "/usr/sbin/dropbear";
    private const string Busybox = "/bin/busybox";

    [Test]
    public void Dropbear_headers_name_loader_and_libraries()
    {
        RequireFile(Dropbear, "dropbear-bin");

        var elf = ElfFile.Read(Dropbear);

        Assert.That(elf.Interpreter, Is.EqualTo("/lib64/ld-linux-x86-64.so.2"));
        Assert.That(elf.Needed, Does.Contain("libc.so.6").And.Contain("libz.so.1").And.Contain("libcrypt.so.1"));
        Assert.That(elf.IsStatic, Is.False);
    }

    [Test]
    public void Static_busybox_needs_nothing()
    {
        RequireFile(Busybox, "busybox-static");

        var closure = SharedLibraryResolver.ForHost().Resolve(Busybox);

        Assert.That(closure.IsStatic, Is.True, $"interpreter {closure.Interpreter}, libraries {closure.Libraries.Count}");
    }

    [Test]
    public async Task Dropbear_closure_matches_host_loader()
    {
        RequireFile(Dropbear, "dropbear-bin");
        var listing = await new CommandRunner().ReadAsync(ExternalCommand.Of("/lib64/ld-linux-x86-64.so.2", "--list", Dropbear));
        var expected = ParseLoaderListing(listing);

        var closure = SharedLibraryResolver.ForHost().Resolve(Dropbear);

        // ld.so prints the loader on a line of its own, without "=>", although libc needs it by name too.
        var actual = closure.Libraries.ToDictionary(l => l.Name, l => l.RealPath);
        var loader = RealPath("/lib64/ld-linux-x86-64.so.2");
        Assert.That(actual.Remove("ld-linux-x86-64.so.2", out var loaderByName), Is.True, "libc needs the loader by name");
        Assert.That(loaderByName, Is.EqualTo(loader));
        Assert.That(actual.Keys, Is.EquivalentTo(expected.Keys), $"ld.so --list printed:\n{listing}");
        foreach (var (name, path) in expected)
            Assert.That(actual[name], Is.EqualTo(RealPath(path)), name);
        Assert.That(closure.InterpreterRealPath, Is.EqualTo(loader));
    }

    [Test]
    public async Task Origin_run_path_finds_payload_library()
    {
        using var work = new TempDirectory();
        var program = await BuildProgramWithLibraryAsync(work.Path);

        var closure = SharedLibraryResolver.ForHost().Resolve(program);

        var library = closure.Libraries.Single(l => l.Name == "libpayload.so");
        Assert.That(library.RealPath, Is.EqualTo(Path.Combine(work.Path, "payload", "lib", "libpayload.so")));
        Assert.That(library.RequiredBy, Is.EqualTo(program));
    }

    [Test]
    public async Task Missing_library_names_program_and_library()
    {
        using var work = new TempDirectory();
        var program = await BuildProgramWithLibraryAsync(work.Path);
        File.Delete(Path.Combine(work.Path, "payload", "lib", "libpayload.so"));

        var error = Assert.Throws<SharedLibraryNotFoundException>(() => SharedLibraryResolver.ForHost().Resolve(program));

        Assert.That(error!.Message, Does.Contain($"'{program}' needs 'libpayload.so'"));
        Assert.That(error.Message, Does.Contain(Path.Combine(work.Path, "payload", "lib")), "the search path is listed");
    }

    [Test]
    public void Ld_so_conf_includes_are_followed_in_order()
    {
        using var work = new TempDirectory();
        var conf = work.Write("ld.so.conf", "# comment\n/first\ninclude conf.d/*.conf\n/last # trailing comment\n");
        work.Write("conf.d/b.conf", "/from-b\n");
        work.Write("conf.d/a.conf", "/from-a\nhwcap 1 ignored\n");

        var resolver = SharedLibraryResolver.ForHost(conf);

        Assert.That(resolver.SearchPath.Take(4), Is.EqualTo(new[] { "/first", "/from-a", "/from-b", "/last" }));
        Assert.That(resolver.SearchPath.Skip(4), Is.EqualTo(SharedLibraryResolver.SystemDirectories));
    }

    [Test]
    public void Non_elf_file_is_rejected_with_its_path()
    {
        using var work = new TempDirectory();
        var script = work.Write("script.sh", "#!/bin/sh\necho hi\n");

        var error = Assert.Throws<InvalidDataException>(() => ElfFile.Read(script));

        Assert.That(error!.Message, Does.Contain(script));
        Assert.That(ElfFile.IsLoadableX86_64(script), Is.False);
    }

    [TestCase((ushort)1, (ushort)62, false, TestName = "Relocatable x86-64 object is not loadable")]
    [TestCase((ushort)2, (ushort)247, false, TestName = "BPF machine is not loadable")]
    [TestCase((ushort)2, (ushort)62, true, TestName = "x86-64 executable is loadable")]
    [TestCase((ushort)3, (ushort)62, true, TestName = "x86-64 shared object is loadable")]
    public void Loadable_check_reads_type_and_machine(ushort type, ushort machine, bool expected)
    {
        using var work = new TempDirectory();
        var path = Path.Combine(work.Path, "object");
        var header = new byte[64];
        header[0] = 0x7f;
        header[1] = (byte)'E';
        header[2] = (byte)'L';
        header[3] = (byte)'F';
        header[4] = 2;
        header[5] = 1;
        BitConverter.TryWriteBytes(header.AsSpan(16), type);
        BitConverter.TryWriteBytes(header.AsSpan(18), machine);
        File.WriteAllBytes(path, header);

        Assert.That(ElfFile.IsLoadableX86_64(path), Is.EqualTo(expected));
    }

    /// <summary>Builds payload/bin/program that needs payload/lib/libpayload.so through an $ORIGIN run path.</summary>
    internal static async Task<string> BuildProgramWithLibraryAsync(string root)
    {
        var lib = Directory.CreateDirectory(Path.Combine(root, "payload", "lib")).FullName;
        var bin = Directory.CreateDirectory(Path.Combine(root, "payload", "bin")).FullName;
        File.WriteAllText(Path.Combine(root, "lib.c"), "int payload_value(void) { return 42; }\n");
        File.WriteAllText(Path.Combine(root, "main.c"), "int payload_value(void);\nint main(void) { return payload_value() == 42 ? 0 : 1; }\n");

        var runner = new CommandRunner();
        const string nextStep = "Install gcc (apt-get install gcc); these tests compile a tiny program and library.";
        await runner.RunCheckedAsync(ExternalCommand.Of("gcc", "-shared", "-fPIC", "-o", Path.Combine(lib, "libpayload.so"), "lib.c").In(root), nextStep: nextStep);
        await runner.RunCheckedAsync(ExternalCommand.Of("gcc", "-o", Path.Combine(bin, "program"), "main.c",
            "-L" + lib, "-lpayload", "-Wl,-rpath,$ORIGIN/../lib").In(root), nextStep: nextStep);
        return Path.Combine(bin, "program");
    }

    private static Dictionary<string, string> ParseLoaderListing(string listing)
    {
        // Lines look like "\tlibz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x...)"; the vdso and the loader line have no "=>".
        var libraries = new Dictionary<string, string>();
        foreach (var line in listing.Split('\n'))
        {
            var parts = line.Trim().Split(' ');
            if (parts.Length >= 3 && parts[1] == "=>")
                libraries[parts[0]] = parts[2];
        }
        return libraries;
    }

    private static string RealPath(string path)
    {
        var info = new FileInfo(path);
        return Path.GetFullPath((info.LinkTarget is null ? info : info.ResolveLinkTarget(true)!).FullName);
    }

    private static void RequireFile(string path, string package)
    {
        if (!File.Exists(path))
            Assert.Fail($"'{path}' is missing; install Debian's {package} package.");
    }
}
