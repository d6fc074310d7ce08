namespace Harness.Suites.Catalog;

/// <summary>How a suite is built and how its programs are found.</summary>
public enum SuiteKind
{
    /// <summary>A kselftest directory of the kernel tree, e.g. tools/testing/selftests/landlock.</summary>
    InTreeKselftest,

    /// <summary>One of our C suites, selftests/c/&lt;part&gt;/.</summary>
    C,

    /// <summary>One part of our NativeAOT C# guest program, selftests/csharp/.</summary>
    CSharp,

    /// <summary>
    /// Programs that are already built: the folder contains them and a `programs`
    /// file that lists their names in run order.
    /// </summary>
    Prebuilt,
}

/// <summary>
/// A named set of programs run in the guest that print KTAP.
/// </summary>
/// <param name="Name">The first element of every test id of the suite, e.g. "kselftest/landlock" or "c/part1".</param>
/// <param name="Part">The part of the series it tests: "base" for what the base already has, "part1" and on for the series.</param>
/// <param name="Language">"C" or "C#".</param>
/// <param name="SourceDirectory">Where its sources are on the host.</param>
/// <param name="ConfigFile">The kernel options it needs, kselftest's `config` format; null when it has none.</param>
public sealed record SuiteDefinition(
    string Name,
    SuiteKind Kind,
    string Part,
    string Language,
    string SourceDirectory,
    string? ConfigFile)
{
    /// <summary>Where the suite's programs live in the guest; every part of the C# suite shares one program.</summary>
    public string GuestDirectory => Kind == SuiteKind.CSharp ? "/selftests/csharp" : "/selftests/" + Name.Replace('/', '-');
}

/// <summary>A program of a built suite, and the command that runs it in the guest.</summary>
public sealed record SuiteProgram(string Name, string GuestCommand, TimeSpan Timeout);

/// <summary>A suite whose programs are built and ready to be copied into the guest image.</summary>
/// <param name="HostDirectory">The folder whose contents go to <see cref="SuiteDefinition.GuestDirectory"/>.</param>
/// <param name="Programs">The programs to run, in order; empty for a suite that has no tests yet.</param>
public sealed record BuiltSuite(SuiteDefinition Definition, string HostDirectory, IReadOnlyList<SuiteProgram> Programs);
