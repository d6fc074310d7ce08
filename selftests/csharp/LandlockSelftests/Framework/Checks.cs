using System.Runtime.CompilerServices;
using LandlockSelftests.Native;

namespace LandlockSelftests.Framework;

/// <summary>
/// Checks that end the test at the first failure, like kselftest's ASSERT_*.
/// Each failure prints the checked expressions and values.
/// </summary>
internal static class Assert
{
    public static void Equal<T>(T expected, T actual, string? message = null,
        [CallerArgumentExpression(nameof(expected))] string expectedText = "",
        [CallerArgumentExpression(nameof(actual))] string actualText = "",
        [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (!CheckCore.Equal(expected, actual, message, expectedText, actualText, file, line))
        {
            throw new TestFailedException(null);
        }
    }

    public static void True(bool condition, string? message = null,
        [CallerArgumentExpression(nameof(condition))] string conditionText = "",
        [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (!CheckCore.True(condition, message, conditionText, file, line))
        {
            throw new TestFailedException(null);
        }
    }

    /// <summary>Checks that a system call succeeded and returns its value.</summary>
    public static long Succeeds(SysResult result, string? message = null,
        [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (!CheckCore.Succeeds(result, message, file, line))
        {
            throw new TestFailedException(null);
        }

        return result.Value;
    }

    public static void FailsWith(int expectedErrno, SysResult result, string? message = null,
        [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (!CheckCore.FailsWith(expectedErrno, result, message, file, line))
        {
            throw new TestFailedException(null);
        }
    }
}

/// <summary>
/// Checks that record a failure and let the test go on, like kselftest's
/// EXPECT_*, so that one run reports every broken case of a table.
/// </summary>
internal static class Expect
{
    public static bool Equal<T>(T expected, T actual, string? message = null,
        [CallerArgumentExpression(nameof(expected))] string expectedText = "",
        [CallerArgumentExpression(nameof(actual))] string actualText = "",
        [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        CheckCore.Equal(expected, actual, message, expectedText, actualText, file, line);

    public static bool True(bool condition, string? message = null,
        [CallerArgumentExpression(nameof(condition))] string conditionText = "",
        [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        CheckCore.True(condition, message, conditionText, file, line);

    public static bool Succeeds(SysResult result, string? message = null,
        [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        CheckCore.Succeeds(result, message, file, line);

    public static bool FailsWith(int expectedErrno, SysResult result, string? message = null,
        [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        CheckCore.FailsWith(expectedErrno, result, message, file, line);
}

/// <summary>The comparisons and messages shared by <see cref="Assert"/> and <see cref="Expect"/>.</summary>
internal static class CheckCore
{
    public static bool Equal<T>(T expected, T actual, string? message, string expectedText, string actualText, string file, int line)
    {
        if (EqualityComparer<T>.Default.Equals(expected, actual))
        {
            return true;
        }

        return Fail($"Expected {expectedText} ({Show(expected)}) == {actualText} ({Show(actual)})", message, file, line);
    }

    public static bool True(bool condition, string? message, string conditionText, string file, int line) =>
        condition || Fail($"Expected {conditionText}", message, file, line);

    public static bool Succeeds(SysResult result, string? message, string file, int line) =>
        !result.Failed || Fail($"Expected success: {result}", message, file, line);

    public static bool FailsWith(int expectedErrno, SysResult result, string? message, string file, int line)
    {
        if (result.Failed && result.Errno == expectedErrno)
        {
            return true;
        }

        var seen = result.Failed ? $"failed with {Errno.Describe(result.Errno)}" : $"returned {result.Value}";
        return Fail($"Expected {result.Call} to fail with {Errno.Name(expectedErrno)}, but it {seen}", message, file, line);
    }

    private static bool Fail(string failure, string? message, string file, int line)
    {
        Test.RecordFailure(message is null ? failure : $"{failure}\n{message}", file, line);
        return false;
    }

    private static string Show<T>(T value) => value switch
    {
        null => "null",
        string text => $"\"{text}\"",
        _ => value.ToString() ?? "",
    };
}
