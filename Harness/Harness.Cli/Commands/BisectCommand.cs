using System.ComponentModel;
using Harness.Cli.Infrastructure;
using Harness.Runs.Bisect;
using Spectre.Console.Cli;

namespace Harness.Cli.Commands;

public sealed class BisectCommand : AsyncCommand<BisectCommand.Settings>
{
    public sealed class Settings : GuestRunSettings
    {
        [CommandOption("--good <N>")]
        [Description("Number of patches known to pass; 0, the default, is the base alone.")]
        [DefaultValue(0)]
        public int Good { get; init; }

        [CommandOption("--bad <N>")]
        [Description("Number of patches known to fail; the whole series by default.")]
        public int? Bad { get; init; }

        public override Spectre.Console.ValidationResult Validate()
        {
            if (Good < 0)
                return Spectre.Console.ValidationResult.Error($"--good {Good} is negative; 0 is the base alone.");
            if (Bad is < 1)
                return Spectre.Console.ValidationResult.Error($"--bad {Bad} must be at least 1.");
            return base.Validate();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var pipeline = new Pipeline(settings);

        var options = new BisectOptions { Run = settings.ToRunOptions(), Good = settings.Good, Bad = settings.Bad };
        var (result, folder) = await new SeriesBisect(pipeline.Workspace).RunAsync(options,
            run => pipeline.LoggerProvider.AttachFile(Path.Combine(run.Path, "harness.log")), cancellationToken);

        Output.Line("");
        Output.Line(File.ReadAllText(Path.Combine(folder, "bisect.md")).Trim());
        Output.Line("");
        Output.Line($"bisect log: {folder}");
        return result.Conclusion == BisectConclusion.Found ? 0 : CommandLine.HarnessError;
    }
}
