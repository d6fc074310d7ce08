using System.Runtime.CompilerServices;

namespace LandlockSelftests.Framework;

/// <summary>
/// Marks a public static method with no parameters as a guest test.
/// <see cref="TestRegistry"/> finds it; tests run in the order of their
/// source lines, which the compiler records in <see cref="Line"/>.
/// </summary>
/// <param name="name">The test name in snake_case, unique in the program; it names a behaviour.</param>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
internal sealed class GuestTestAttribute(string name, [CallerLineNumber] int line = 0) : Attribute
{
    public string Name { get; } = name;

    /// <summary>The part of the series whose behaviour the test checks: one of <see cref="Parts.All"/>.</summary>
    public string Part { get; init; } = Parts.Base;

    public int Line { get; } = line;
}

/// <summary>
/// The parts a test can belong to: "base" for what the unpatched kernel
/// already has, then one per part of the patch series.
/// </summary>
internal static class Parts
{
    public const string Base = "base";
    public const string Part1 = "part1";
    public const string Part2 = "part2";
    public const string Part3 = "part3";

    /// <summary>
    /// Tests that fail on purpose, so that the harness's own tests can check that a
    /// guest failure reaches them with its message. Run only when asked for by name.
    /// </summary>
    public const string Canary = "canary";

    public static readonly IReadOnlyList<string> All = [Base, Part1, Part2, Part3, Canary];
}
