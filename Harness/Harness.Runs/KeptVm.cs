using Harness.Core;

namespace Harness.Runs;

/// <summary>A guest that `run --keep-vm` left running, recorded so that `./harness ssh` can log in.</summary>
public sealed record KeptVm(string RunId, int QemuProcessId, int SshPort, string KeyDirectory, string ConsoleLog)
{
    public static string StatePath(HarnessPaths paths) => Path.Combine(paths.State, "kept-vm.json");

    public static KeptVm? Load(HarnessPaths paths)
    {
        var kept = JsonState.Read<KeptVm>(StatePath(paths));
        return kept is not null && File.Exists($"/proc/{kept.QemuProcessId}/cmdline") ? kept : null;
    }

    public void Save(HarnessPaths paths) => JsonState.Write(StatePath(paths), this);
}
