using Harness.Cli.Infrastructure;
using Spectre.Console.Cli;

namespace Harness.Cli.Commands;

public sealed class BuildCommand : AsyncCommand<KernelSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, KernelSettings settings, CancellationToken cancellationToken)
    {
        using var pipeline = new Pipeline(settings);
        await pipeline.EnsurePrerequisitesAsync(cancellationToken);
        var kernelBase = await pipeline.PrepareBaseAsync(settings, cancellationToken);
        var applied = await pipeline.ApplySeriesAsync(kernelBase, settings, null, cancellationToken);
        var build = await pipeline.BuildKernelAsync(applied, cancellationToken);

        Output.Line($"base: {kernelBase.Description}, {applied.Commits.Count} patches");
        Output.Line($"kernel: {build.KernelImage} ({build.KernelRelease}{(build.WasUpToDate ? ", up to date" : "")})");
        Output.Line($"headers: {build.HeadersDirectory}");
        Output.Line($"log: {build.LogPath}");
        return 0;
    }
}
