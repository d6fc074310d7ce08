using Harness.Cli.Infrastructure;
using Harness.Runs;
using Spectre.Console.Cli;

namespace Harness.Cli.Commands;

public sealed class SshCommand : AsyncCommand<SshCommand.Settings>
{
    public sealed class Settings : HarnessSettings
    {
        [CommandArgument(0, "[COMMAND]")]
        [System.ComponentModel.Description("Command to run in the guest; an interactive shell when left out. Put it after '--' when it has options of its own: ./harness ssh -- uname -r")]
        public string[] Command { get; init; } = [];
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var pipeline = new Pipeline(settings);
        var kept = KeptVm.Load(pipeline.Paths)
            ?? throw new InvalidOperationException("No guest is running. Start one with './harness run --keep-vm' and leave it running.");

        // The OpenSSH client gives a real terminal; the guest's host key is pinned
        // through a known_hosts file the run wrote, so no prompt appears.
        var arguments = new List<string>
        {
            "-i", Path.Combine(kept.KeyDirectory, "client_ed25519"),
            "-p", kept.SshPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-o", "UserKnownHostsFile=" + Path.Combine(kept.KeyDirectory, "known_hosts"),
            "-o", "StrictHostKeyChecking=yes",
            "-o", "LogLevel=ERROR",
            "root@127.0.0.1",
        };
        arguments.AddRange(settings.Command);
        arguments.AddRange(context.Remaining.Raw);
        var start = new System.Diagnostics.ProcessStartInfo("ssh", arguments) { UseShellExecute = false };
        using var process = System.Diagnostics.Process.Start(start)
            ?? throw new InvalidOperationException("Could not start ssh; install openssh-client.");
        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode;
    }
}
