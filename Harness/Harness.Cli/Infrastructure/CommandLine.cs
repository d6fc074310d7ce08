using Harness.Build;
using Harness.Core;
using Harness.Series;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Harness.Cli.Infrastructure;

/// <summary>Turns the errors the stages raise into messages and exit codes.</summary>
public static class CommandLine
{
    /// <summary>Exit code for a failure of the harness or its input, as opposed to a test failure (1).</summary>
    public const int HarnessError = 2;

    public static async Task<int> RunAsync(Func<Task<int>> run, IReadOnlyList<string>? arguments = null)
    {
        try
        {
            return await run();
        }
        catch (Exception e) when (e is SeriesException or KernelSourceException or KernelBuildException
                                      or CommandFailedException or InvalidOperationException or TimeoutException
                                      or ArgumentException or Vm.GuestVmException or Vm.Ssh.GuestSshException)
        {
            Output.Error(e.Message);
            return HarnessError;
        }
        catch (CommandParseException e)
        {
            Output.Error(e.Message);
            return HarnessError;
        }
        catch (CommandRuntimeException e)
        {
            Output.Error(ConversionFailure(e.Message, arguments ?? []) ?? e.Message);
            return HarnessError;
        }
        catch (OperationCanceledException)
        {
            Output.Error("Cancelled.");
            return 130;
        }
        catch (Exception e)
        {
            // Anything else is a bug in the harness, not a problem with the input:
            // show the whole exception so it can be reported.
            Output.Error($"internal error: {e}");
            return HarnessError;
        }
    }

    /// <summary>
    /// Rewrites the parser's "Failed to convert 'abc' to Int32." into a message
    /// that names the option the value was given to and what it must be, or
    /// returns null when <paramref name="message"/> is some other error.
    /// </summary>
    internal static string? ConversionFailure(string message, IReadOnlyList<string> arguments)
    {
        var match = System.Text.RegularExpressions.Regex.Match(message, @"^Failed to convert '(?<value>.*)' to (?<type>\w+)\.$");
        if (!match.Success)
            return null;
        var value = match.Groups["value"].Value;
        var expected = match.Groups["type"].Value switch
        {
            "Int32" or "Int64" or "UInt32" or "UInt64" => "a whole number",
            "Double" or "Single" or "Decimal" => "a number",
            "TimeSpan" => "a duration such as 00:05:00",
            var type => $"a value of type {type}",
        };
        string? option = null;
        for (var i = 0; i < arguments.Count; i++)
        {
            if (arguments[i] == value && i > 0 && arguments[i - 1].StartsWith('-'))
                option = arguments[i - 1];
            else if (arguments[i].StartsWith('-') && arguments[i].EndsWith("=" + value, StringComparison.Ordinal))
                option = arguments[i][..arguments[i].IndexOf('=')];
            if (option is not null)
                break;
        }

        return option is null
            ? $"'{value}' is not {expected}."
            : $"{option} '{value}' is not {expected}.";
    }
}

/// <summary>Where the CLI writes for a person: stderr, with colour only on a terminal.</summary>
public static class Output
{
    public static bool IsInteractive =>
        !Console.IsErrorRedirected && !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("CI") is null
        && Environment.GetEnvironmentVariable("TERM") is not (null or "dumb");

    public static void Error(string message)
    {
        if (IsInteractive)
            AnsiConsole.MarkupLineInterpolated($"[red]harness: {message}[/]");
        else
            Console.Error.WriteLine("harness: " + message);
    }

    public static void Line(string message)
    {
        if (IsInteractive)
            AnsiConsole.MarkupLineInterpolated($"{message}");
        else
            Console.Error.WriteLine(message);
    }
}
