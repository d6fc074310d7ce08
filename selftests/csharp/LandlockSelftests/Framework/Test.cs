using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace LandlockSelftests.Framework;

/// <summary>
/// The test running in this process: its name for diagnostics, whether an
/// <see cref="Expect"/> check failed, and the ways to end it early.
/// </summary>
internal static class Test
{
    /// <summary>The bare name of the running test, or empty outside a test.</summary>
    public static string Name { get; set; } = "";

    /// <summary>True once any check failed; the test then ends as failed.</summary>
    public static bool Failed { get; private set; }

    /// <summary>
    /// Prints a diagnostic line the way kselftest's TH_LOG does, to standard
    /// error: "# File.cs:42:test_name:message".
    /// </summary>
    public static void Log(string message, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var prefix = $"# {Path.GetFileName(file)}:{line}:{Name}:";
        foreach (var text in message.Split('\n'))
        {
            Console.Error.WriteLine(prefix + text);
            prefix = "# ";
        }
    }

    /// <summary>Ends the test as skipped; the reason goes on its result line.</summary>
    [DoesNotReturn]
    public static void Skip(string reason) => throw new TestSkippedException(reason);

    /// <summary>Ends the test as failed with a reason that goes on its result line too.</summary>
    [DoesNotReturn]
    public static void Fail(string reason, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        Log(reason, file, line);
        throw new TestFailedException(reason);
    }

    internal static void RecordFailure(string message, string file, int line)
    {
        Failed = true;
        Log(message, file, line);
    }
}

/// <summary>Thrown to end a test as skipped.</summary>
internal sealed class TestSkippedException(string reason) : Exception(reason);

/// <summary>
/// Thrown to end a test as failed once its diagnostic is printed. A reason,
/// when given, is repeated on the KTAP result line.
/// </summary>
internal sealed class TestFailedException(string? reason) : Exception(reason ?? "check failed")
{
    public string? Reason { get; } = reason;
}
