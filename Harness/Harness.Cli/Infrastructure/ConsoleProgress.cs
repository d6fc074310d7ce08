using System.Diagnostics;
using Spectre.Console;

namespace Harness.Cli.Infrastructure;

/// <summary>Reports how far a stage is: a fraction when it is known, and what it is doing.</summary>
public interface IStageReporter
{
    void Report(double? fraction, string activity);
}

/// <summary>
/// Shows stages as they run: a Spectre progress bar on a terminal, plain
/// "stage: ..." lines otherwise (CI logs), throttled so logs stay readable.
/// </summary>
public static partial class ConsoleProgress
{
    public static async Task<T> RunAsync<T>(string stage, Func<IStageReporter, Task<T>> work)
    {
        var clock = Stopwatch.StartNew();
        if (!Output.IsInteractive)
        {
            Console.Error.WriteLine($"{stage}: started");
            var result = await work(new PlainReporter(stage));
            Console.Error.WriteLine($"{stage}: done in {clock.Elapsed.TotalSeconds:0.0} s");
            return result;
        }

        T value = default!;
        await AnsiConsole.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(stage), maxValue: 1.0);
                task.IsIndeterminate = true;
                value = await work(new SpectreReporter(stage, task));
                task.Value = 1.0;
            });
        AnsiConsole.MarkupLineInterpolated($"[green]{stage}[/]: done in {clock.Elapsed.TotalSeconds:0.0} s");
        return value;
    }

    private sealed class SpectreReporter(string stage, ProgressTask task) : IStageReporter
    {
        public void Report(double? fraction, string activity)
        {
            task.IsIndeterminate = fraction is null;
            if (fraction is { } f)
                task.Value = f;
            var text = activity.Length > 50 ? "…" + activity[^49..] : activity;
            task.Description = Markup.Escape($"{stage}: {text}");
        }
    }

    private sealed class PlainReporter(string stage) : IStageReporter
    {
        private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(15);
        private readonly Stopwatch _sinceLast = Stopwatch.StartNew();
        private int _lastDecile = -1;
        private string? _lastActivity;

        /// <summary>
        /// Prints a line when the fraction passes a tenth, when the activity is a
        /// new phase rather than one more step like "CC init/main.o", or at least
        /// every 15 seconds, so that a CI log shows progress without every step.
        /// </summary>
        public void Report(double? fraction, string activity)
        {
            var decile = fraction is { } f ? (int)(f * 10) : -1;
            var isStep = KbuildStep().IsMatch(activity);
            var print = (fraction is not null && decile != _lastDecile)
                        || (!isStep && activity != _lastActivity)
                        || _sinceLast.Elapsed >= Quiet;
            if (!print)
                return;
            _lastDecile = decile;
            _lastActivity = activity;
            _sinceLast.Restart();
            Console.Error.WriteLine(fraction is { } done ? $"{stage}: {done:P0} {activity.Trim()}" : $"{stage}: {activity.Trim()}");
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Z0-9_]+ +\S")]
    private static partial System.Text.RegularExpressions.Regex KbuildStep();
}
