using Harness.Vm.Ssh;
using NUnit.Framework;

namespace Harness.Tests.Vm;

[TestFixture]
public sealed class GuestCommandResultTests
{
    private static GuestCommandResult Result(GuestCommandOutcome outcome, int? exitCode = null, string? signal = null, string? error = null) =>
        new("./run_test.sh", "root@127.0.0.1:2222", outcome, exitCode, signal,
            "ok 1 first\nnot ok 2 second\n", "warning: slow\n", TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(30), error);

    [TestCase(GuestCommandOutcome.Exited, 2, null, null, "exited with code 2")]
    [TestCase(GuestCommandOutcome.Signaled, null, "SEGV", null, "was killed by signal SEGV")]
    [TestCase(GuestCommandOutcome.TimedOut, null, null, null, "timed out after 30 s")]
    [TestCase(GuestCommandOutcome.Cancelled, null, null, null, "was cancelled after 2.5 s")]
    [TestCase(GuestCommandOutcome.ConnectionLost, null, null, "Client not connected.", "lost its SSH connection after 2.5 s (Client not connected.)")]
    public void Each_outcome_reads_as_its_own_sentence(GuestCommandOutcome outcome, int? exitCode, string? signal, string? error, string expected)
    {
        Assert.That(Result(outcome, exitCode, signal, error).DescribeOutcome(), Is.EqualTo(expected));
    }

    [Test]
    public void Only_exit_code_zero_succeeds()
    {
        Assert.That(Result(GuestCommandOutcome.Exited, 0).Succeeded, Is.True);
        Assert.That(Result(GuestCommandOutcome.Exited, 1).Succeeded, Is.False);
        Assert.That(Result(GuestCommandOutcome.Signaled, signal: "KILL").Succeeded, Is.False);
        Assert.That(Result(GuestCommandOutcome.TimedOut).Succeeded, Is.False);
    }

    [Test]
    public void Failure_message_has_endpoint_outcome_command_and_output()
    {
        var error = new GuestCommandException("Running the landlock suite", Result(GuestCommandOutcome.Signaled, signal: "KILL"), "Read dmesg.");

        Assert.That(error.Message, Is.EqualTo(
            "Running the landlock suite on root@127.0.0.1:2222 failed: the command was killed by signal KILL.\n" +
            "  command: ./run_test.sh\n" +
            "  last output:\n" +
            "    stdout: ok 1 first\n" +
            "    stdout: not ok 2 second\n" +
            "    stderr: warning: slow\n" +
            "  next step: Read dmesg."));
    }
}
