using Harness.Cli.Commands;
using Harness.Cli.Infrastructure;
using Spectre.Console.Cli;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C requests every running stage to stop cleanly (QEMU is shut
    // down, results are flushed); a second one ends the process at once.
    if (cancellation.IsCancellationRequested)
        return;
    e.Cancel = true;
    cancellation.Cancel();
};

// SIGTERM (from a CI runner's timeout or `kill`) stops a run the same clean way
// as Ctrl+C: QEMU is shut down and the results are flushed.
using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(
    System.Runtime.InteropServices.PosixSignal.SIGTERM,
    context =>
    {
        context.Cancel = true;
        cancellation.Cancel();
    });

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("./harness");
    config.PropagateExceptions();
    config.UseStrictParsing();
    config.AddCommand<DoctorCommand>("doctor")
        .WithDescription("Check the tools the pipeline uses; --install installs the missing ones with apt.");
    config.AddBranch("series", series =>
    {
        series.SetDescription("Apply, export and check the patch series in kernel-patches/.");
        series.AddCommand<SeriesApplyCommand>("apply")
            .WithDescription("Apply the series to the base in a git work tree, one commit per patch.");
        series.AddCommand<SeriesExportCommand>("export")
            .WithDescription("Write the work tree's commits back to kernel-patches/ as patches and a series file.");
        series.AddCommand<SeriesCheckCommand>("check")
            .WithDescription("Run checkpatch.pl --strict and the changelog rules on each patch.");
    });
    config.AddCommand<BuildCommand>("build")
        .WithDescription("Apply the series and build the kernel (tinyconfig plus kernel-patches/config/).");
    config.AddCommand<RunCommand>("run")
        .WithDescription("Build, boot a guest, run every suite in it and write results/<run-id>/ (the main job).");
    config.AddCommand<BisectCommand>("bisect")
        .WithDescription("Find the first patch of the series that makes the chosen tests fail; each step is a run with the first N patches.");
    config.AddCommand<SshCommand>("ssh")
        .WithDescription("Log in to the guest a 'run --keep-vm' is holding, or run a command in it: ./harness ssh -- uname -r");
    config.AddCommand<TestCommand>("test")
        .WithDescription("Install what the tests need, then run the harness's tests, VM tests included (dotnet test).");
});

return await CommandLine.RunAsync(() => app.RunAsync(args, cancellation.Token), args);
