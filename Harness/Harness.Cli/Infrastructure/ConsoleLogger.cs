using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Harness.Cli.Infrastructure;

/// <summary>
/// Writes log messages as plain lines, through Spectre.Console on a terminal so
/// that they appear above a live progress bar instead of tearing it, and to a log
/// file when one is set (a run's harness.log).
/// </summary>
public sealed class ConsoleLoggerProvider(LogLevel minimum) : ILoggerProvider
{
    private readonly object _gate = new();
    private StreamWriter? _file;

    public void AttachFile(string path)
    {
        lock (_gate)
        {
            _file?.Dispose();
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            _file = new StreamWriter(path, append: true) { AutoFlush = true };
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
        lock (_gate)
            _file?.Dispose();
    }

    private void Write(LogLevel level, string message, Exception? exception)
    {
        lock (_gate)
        {
            _file?.WriteLine($"{DateTime.Now:HH:mm:ss.fff} {level,-11} {message}{(exception is null ? "" : "\n" + exception)}");
            if (level < minimum)
                return;
            if (Output.IsInteractive)
            {
                var colour = level switch { >= LogLevel.Error => "red", LogLevel.Warning => "yellow", LogLevel.Debug or LogLevel.Trace => "grey", _ => "default" };
                AnsiConsole.MarkupLineInterpolated($"[{colour}]{message}[/]");
            }
            else
            {
                Console.Error.WriteLine(level >= LogLevel.Warning ? $"{level.ToString().ToLowerInvariant()}: {message}" : message);
            }
        }
    }

    private sealed class Logger(ConsoleLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            provider.Write(logLevel, formatter(state, exception), exception);
    }
}
