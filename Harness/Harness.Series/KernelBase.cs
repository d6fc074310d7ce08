namespace Harness.Series;

/// <summary>
/// A kernel source tree the series applies to: a git repository and the commit
/// that is the base, plus how to name that base in results.
/// </summary>
/// <param name="Id">File-name-safe identifier, used in cache paths.</param>
/// <param name="Description">What a person reads in a report, e.g. "Debian linux-source-7.3 7.3.4-1~bpo13+1".</param>
/// <param name="RepositoryPath">The git repository holding the base commit.</param>
/// <param name="BaseRevision">Full commit id of the base.</param>
/// <param name="KernelVersion">The version the base's Makefile gives, e.g. "7.3.4".</param>
public sealed record KernelBase(
    string Id,
    string Description,
    string RepositoryPath,
    string BaseRevision,
    string KernelVersion);
