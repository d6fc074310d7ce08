using Harness.Core;
using Harness.Tests.Support;

namespace Harness.Tests.Core;

[TestFixture]
[CancelAfter(30_000)]
public sealed class CommandRunnerTests
{
    [Test]
    public async Task Failure_message_names_exit_code_command_and_tail()
    {
        var command = ExternalCommand.Of("sh", "-c", "echo first; echo 'second line' >&2; exit 3");

        var error = Assert.ThrowsAsync<CommandFailedException>(() => new CommandRunner().RunCheckedAsync(command));

        Assert.That(error!.Outcome.ExitCode, Is.EqualTo(3));
        Assert.That(error.Message, Does.Contain("sh (pid ").And.Contain("failed with exit code 3"));
        Assert.That(error.Message, Does.Contain("command: sh -c 'echo first; echo '\\''second line'\\'' >&2; exit 3'"));
        Assert.That(error.Message, Does.Contain("    second line"));
        await Task.CompletedTask;
    }

    [Test]
    public void Timeout_is_reported_as_a_timeout()
    {
        var command = ExternalCommand.Of("sleep", "30").WithTimeout(TimeSpan.FromMilliseconds(300));

        var error = Assert.ThrowsAsync<CommandFailedException>(() => new CommandRunner().RunAsync(command));

        Assert.That(error!.TimedOut, Is.True);
        Assert.That(error.Message, Does.Contain("timed out"));
    }

    [Test]
    public async Task Log_file_gets_command_line_and_output()
    {
        using var work = new TempDirectory();
        var log = Path.Combine(work.Path, "logs", "run.log");

        await new CommandRunner().RunCheckedAsync(ExternalCommand.Of("echo", "hello world").WithLog(log));

        var lines = File.ReadAllLines(log);
        Assert.That(lines[0], Is.EqualTo("$ echo 'hello world'"));
        Assert.That(lines[1], Is.EqualTo("hello world"));
        Assert.That(lines[2], Does.StartWith("# exit code 0"));
    }

    [Test]
    public async Task Output_lines_are_streamed_as_they_come()
    {
        var seen = new List<string>();

        var outcome = await new CommandRunner().RunAsync(ExternalCommand.Of("printf", "a\\nb\\n"), seen.Add);

        Assert.That(seen, Is.EqualTo(new[] { "a", "b" }));
        Assert.That(outcome.StandardOutput, Is.EqualTo("a\nb\n"));
    }

    [Test]
    public void Cancellation_stops_the_process()
    {
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        Assert.That(async () => await new CommandRunner().RunAsync(ExternalCommand.Of("sleep", "30"), cancellationToken: cancellation.Token),
            Throws.InstanceOf<OperationCanceledException>());
    }
}
