using System.Globalization;
using LandlockSelftests.Framework;
using LandlockSelftests.Guest;

namespace LandlockSelftests;

internal static class Program
{
    private const string Usage = """
        Usage: csharp-selftests [--part PART] [--filter TEXT] [--timeout SECONDS]
               csharp-selftests --list

        Runs the C# Landlock selftests, each in a process of its own, and prints
        KTAP as a kselftest harness program does. Run as root in the guest.

          --part PART        run only the tests of PART: base, part1, part2, part3, or canary (fails on purpose; never run otherwise)
          --filter TEXT      run only the tests whose PART.NAME contains TEXT
          --timeout SECONDS  kill a test that runs longer (default 30, as kselftest)
          --list             print PART<TAB>NAME for every test and exit

        Exit code: 0 when every test passed or was skipped and at least one
        passed, 1 when a test failed or the command line is invalid, 4 when
        every selected test was skipped or none was selected.

        Programs the tests exec (this same binary):
          --probe-access PATH   open PATH for reading; exit 0 allowed, 3 EACCES, 2 other error
          --print-euid          print "euid=N"
          --print-no-new-privs  print "no_new_privs=N"
          --exec-as UID [--no-new-privs | --stage-nnp-on-exec] PROGRAM [ARG...]
                                become UID, then set no_new_privs or stage a Landlock
                                domain with ON_EXEC|NNP_ON_EXEC, then exec PROGRAM
        """;

    public static int Main(string[] args)
    {
        try
        {
            return Run(args);
        }
        catch (UsageException usage)
        {
            Console.Error.WriteLine($"csharp-selftests: {usage.Message}");
            Console.Error.WriteLine("Run 'csharp-selftests --help' for the options.");
            return TestRunner.KsftFail;
        }
    }

    private static int Run(string[] args)
    {
        string? part = null;
        string? filter = null;
        var timeout = TimeSpan.FromSeconds(30);
        var list = false;

        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--help" or "-h":
                    Console.Out.WriteLine(Usage);
                    return 0;
                case "--list":
                    list = true;
                    break;
                case "--part":
                    part = Value(args, ref i);
                    if (!Parts.All.Contains(part))
                    {
                        throw new UsageException($"invalid --part \"{part}\"; expected one of {string.Join(", ", Parts.All)}");
                    }

                    break;
                case "--filter":
                    filter = Value(args, ref i);
                    break;
                case "--timeout":
                    timeout = TimeSpan.FromSeconds(PositiveInteger(args, ref i));
                    break;
                case "--run-one":
                    return RunOne(args, i);
                case "--probe-access":
                    return GuestCommands.ProbeAccess(Value(args, ref i));
                case "--print-euid":
                    return GuestCommands.PrintEffectiveUid();
                case "--print-no-new-privs":
                    return GuestCommands.PrintNoNewPrivs();
                case "--exec-as":
                    return ExecAs(args, i);
                default:
                    throw new UsageException($"unknown option \"{args[i]}\"");
            }
        }

        var selected = TestRegistry.All
            .Where(test => part is null ? test.Part != Parts.Canary : test.Part == part)
            .Where(test => filter is null || test.FullName.Contains(filter, StringComparison.Ordinal))
            .ToList();

        if (list)
        {
            foreach (var test in selected)
            {
                Console.Out.WriteLine($"{test.Part}\t{test.Name}");
            }

            return 0;
        }

        var noTestReason = (part, filter) switch
        {
            (not null, null) => $"no tests in {part} yet",
            (_, not null) => $"no test matches --filter \"{filter}\"{(part is null ? "" : $" in {part}")}",
            _ => "no tests",
        };
        return TestRunner.RunAll(selected, timeout, noTestReason);
    }

    /// <summary>Handles the internal <c>--run-one NAME [--report-fd N]</c> that the runner starts per test.</summary>
    private static int RunOne(string[] args, int index)
    {
        var name = Value(args, ref index);
        int? reportFd = null;
        if (index + 1 < args.Length && args[index + 1] == "--report-fd")
        {
            index++;
            reportFd = PositiveInteger(args, ref index);
        }

        var test = TestRegistry.All.FirstOrDefault(candidate => candidate.Name == name)
            ?? throw new UsageException($"no test is named \"{name}\"; --list prints the names");
        return TestRunner.RunOne(test, reportFd);
    }

    private static int ExecAs(string[] args, int index)
    {
        var uid = (uint)PositiveInteger(args, ref index);
        var setup = GuestCommands.ExecAsSetup.None;
        if (index + 1 < args.Length && args[index + 1] is "--no-new-privs" or "--stage-nnp-on-exec")
        {
            setup = args[++index] == "--no-new-privs"
                ? GuestCommands.ExecAsSetup.NoNewPrivs
                : GuestCommands.ExecAsSetup.StageNoNewPrivsOnExec;
        }

        var argv = args[(index + 1)..];
        if (argv.Length == 0)
        {
            throw new UsageException("--exec-as needs a PROGRAM to exec");
        }

        return GuestCommands.ExecAs(uid, setup, argv);
    }

    private static string Value(string[] args, ref int index)
    {
        if (index + 1 >= args.Length)
        {
            throw new UsageException($"{args[index]} needs a value");
        }

        return args[++index];
    }

    private static int PositiveInteger(string[] args, ref int index)
    {
        var option = args[index];
        var text = Value(args, ref index);
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            throw new UsageException($"{option} needs a positive integer, not \"{text}\"");
        }

        return value;
    }

    private sealed class UsageException(string message) : Exception(message);
}
