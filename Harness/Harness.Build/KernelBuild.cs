namespace Harness.Build;

/// <summary>A built kernel and what it was built from.</summary>
/// <param name="BuildDirectory">The out-of-tree build directory (make O=).</param>
/// <param name="KernelImage">arch/x86/boot/bzImage in the build directory.</param>
/// <param name="HeadersDirectory">The uapi headers from headers_install, for building selftests.</param>
/// <param name="ConfigHash">Hash of the fragments the .config was made from.</param>
/// <param name="KernelRelease">What `uname -r` will print in the guest.</param>
/// <param name="WasUpToDate">True when nothing needed building and make was not run.</param>
public sealed record KernelBuild(
    string BuildDirectory,
    string KernelImage,
    string HeadersDirectory,
    string ConfigHash,
    string KernelRelease,
    string LogPath,
    bool WasUpToDate,
    TimeSpan Elapsed);
