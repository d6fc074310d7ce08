using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using LandlockSelftests.Tests;

namespace LandlockSelftests.Framework;

/// <summary>One discovered test.</summary>
/// <param name="Name">The bare test name, as in the attribute.</param>
internal sealed record TestCase(string Part, string Name, Action Body)
{
    /// <summary>The name printed in KTAP: the part plays the role of a kselftest fixture.</summary>
    public string FullName => $"{Part}.{Name}";
}

/// <summary>
/// Finds the tests at startup by reading <see cref="GuestTestAttribute"/>
/// from the static methods of the classes listed in <see cref="Discover"/>.
/// </summary>
/// <remarks>
/// NativeAOT keeps the methods of those classes for reflection because each
/// class goes through a parameter marked [DynamicallyAccessedMembers], and
/// the trimmer checks that at publish time. Scanning the whole assembly for
/// test classes is not trim-safe, so a new test class must be added to the
/// list. A source generator would remove that step, at the cost of a second
/// project to build.
/// </remarks>
internal static class TestRegistry
{
    private static readonly Lazy<IReadOnlyList<TestCase>> Tests = new(Discover);

    public static IReadOnlyList<TestCase> All => Tests.Value;

    private static List<TestCase> Discover()
    {
        var tests = new List<TestCase>();
        AddClass(tests, typeof(BaseTests));
        AddClass(tests, typeof(Part1Tests));
        AddClass(tests, typeof(CanaryTests));

        var duplicates = tests.GroupBy(test => test.Name).Where(group => group.Count() > 1).Select(group => group.Key).ToList();
        if (duplicates.Count > 0)
        {
            throw new InvalidOperationException($"Test names must be unique; duplicated: {string.Join(", ", duplicates)}.");
        }

        return tests;
    }

    private static void AddClass(
        List<TestCase> tests,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicMethods)] Type type)
    {
        var found = new List<(int Line, TestCase Test)>();
        foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Static))
        {
            var attribute = method.GetCustomAttribute<GuestTestAttribute>();
            if (attribute is null)
            {
                continue;
            }

            if (method.ReturnType != typeof(void) || method.GetParameters().Length != 0)
            {
                throw new InvalidOperationException(
                    $"{type.Name}.{method.Name}: a [GuestTest] method must be 'public static void' with no parameters.");
            }

            if (!Parts.All.Contains(attribute.Part))
            {
                throw new InvalidOperationException(
                    $"{type.Name}.{method.Name}: unknown part \"{attribute.Part}\"; expected one of {string.Join(", ", Parts.All)}.");
            }

            found.Add((attribute.Line, new TestCase(attribute.Part, attribute.Name, method.CreateDelegate<Action>())));
        }

        tests.AddRange(found.OrderBy(entry => entry.Line).Select(entry => entry.Test));
    }
}
