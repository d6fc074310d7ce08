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

    public static async Task<int> RunAsync(Func<Task<int>> run)
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
            Output.Error(e.Message);
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
