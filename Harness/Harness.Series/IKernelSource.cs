namespace Harness.Series;

/// <summary>Where the base tree comes from: Debian's source package or a local git tree.</summary>
public interface IKernelSource
{
    /// <summary>Makes the base available as a git repository and returns it; cheap when it already is.</summary>
    Task<KernelBase> PrepareAsync(IProgress<string>? progress, CancellationToken cancellationToken);
}
