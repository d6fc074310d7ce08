namespace Harness.Series;

/// <summary>One patch of the series as a commit in the work tree.</summary>
public sealed record SeriesCommit(string Sha, string Subject, string PatchFile);

/// <summary>The base with the series applied: a git work tree with one commit per patch.</summary>
public sealed record AppliedSeries(
    KernelBase Base,
    string TreePath,
    IReadOnlyList<SeriesCommit> Commits,
    string SeriesHash,
    bool Reused,
    TimeSpan Elapsed)
{
    /// <summary>True when the tree contains edits or commits that kernel-patches/ does not have yet.</summary>
    public bool HasUnexportedChanges { get; init; }

    /// <summary>The commit the tree's HEAD should be at: the last patch, or the base for an empty series.</summary>
    public string Head => Commits.Count > 0 ? Commits[^1].Sha : Base.BaseRevision;
}
