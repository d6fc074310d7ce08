using Harness.Cli.Infrastructure;
using Spectre.Console.Cli;

namespace Harness.Cli.Commands;

public sealed class BuildCommand : AsyncCommand<PrefixSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, PrefixSettings settings, CancellationToken cancellationToken)
    {
        using var pipeline = new Pipeline(settings);
        await pipeline.Workspace.EnsurePrerequisitesAsync(cancellationToken);
        var kernel = await pipeline.Workspace.PrepareKernelAsync(Pipeline.Selection(settings, settings.UpTo), cancellationToken);

        Output.Line($"base: {kernel.Base.Description}, {kernel.Series.Commits.Count} patches");
        Output.Line($"kernel: {kernel.Build.KernelImage} ({kernel.Build.KernelRelease}{(kernel.Build.WasUpToDate ? ", up to date" : "")})");
        Output.Line($"headers: {kernel.Build.HeadersDirectory}");
        Output.Line($"log: {kernel.Build.LogPath}");
        return 0;
    }
}
