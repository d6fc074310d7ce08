using LandlockSelftests.Framework;

namespace LandlockSelftests.Tests;

/// <summary>
/// A test that fails on purpose. The harness's VM tests run it with
/// "--part canary" and check that its message reaches the NUnit case; no
/// other run selects it.
/// </summary>
internal static class CanaryTests
{
    /// <summary>The text the harness's VM test looks for in the NUnit failure.</summary>
    public const string Message = "canary failure: the guest reports this on purpose";

    [GuestTest("fails_on_purpose", Part = Parts.Canary)]
    public static void FailsOnPurpose()
    {
        Assert.Equal(1, 2, Message);
    }
}
