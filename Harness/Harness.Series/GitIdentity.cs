using Harness.Core;

namespace Harness.Series;

/// <summary>
/// The committer identity and dates the harness uses for the commits it makes, so
/// that applying the same series to the same base gives the same commit ids on
/// every machine, which keeps results comparable and caches shared.
/// </summary>
public static class GitIdentity
{
    public const string Name = "harness";
    public const string Email = "harness@localhost";

    private const string FixedDate = "2000-01-01T00:00:00Z";

    public static ExternalCommand Apply(ExternalCommand command) => command
        .WithEnvironment("GIT_AUTHOR_NAME", Name)
        .WithEnvironment("GIT_AUTHOR_EMAIL", Email)
        .WithEnvironment("GIT_AUTHOR_DATE", FixedDate)
        .WithEnvironment("GIT_COMMITTER_NAME", Name)
        .WithEnvironment("GIT_COMMITTER_EMAIL", Email)
        .WithEnvironment("GIT_COMMITTER_DATE", FixedDate);

    /// <summary>For git am: the author comes from the patch, the committer is fixed.</summary>
    public static ExternalCommand ApplyCommitter(ExternalCommand command) => command
        .WithEnvironment("GIT_COMMITTER_NAME", Name)
        .WithEnvironment("GIT_COMMITTER_EMAIL", Email)
        .WithEnvironment("GIT_COMMITTER_DATE", FixedDate);
}
