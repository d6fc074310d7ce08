namespace Harness.Core;

/// <summary>
/// An external program to run, described as data so that it can be logged exactly
/// as it is run and repeated from a reproduce script.
/// </summary>
public sealed record ExternalCommand(string Program, IReadOnlyList<string> Arguments)
{
    public string? WorkingDirectory { get; init; }

    /// <summary>Variables set (or, with a null value, removed) on top of the harness's own environment.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    public TimeSpan? Timeout { get; init; }

    /// <summary>File that receives the command line and every output line, appended.</summary>
    public string? LogFile { get; init; }

    public string? StandardInput { get; init; }

    public static ExternalCommand Of(string program, params string[] arguments) => new(program, arguments);

    public ExternalCommand In(string workingDirectory) => this with { WorkingDirectory = workingDirectory };

    public ExternalCommand WithEnvironment(string name, string? value) =>
        this with { Environment = new Dictionary<string, string?>(Environment) { [name] = value } };

    public ExternalCommand WithTimeout(TimeSpan timeout) => this with { Timeout = timeout };

    public ExternalCommand WithLog(string logFile) => this with { LogFile = logFile };

    public ExternalCommand WithInput(string input) => this with { StandardInput = input };

    /// <summary>The command as a POSIX shell would read it, environment overrides first.</summary>
    public string ToShellString()
    {
        var env = Environment.Where(e => e.Value is not null).Select(e => $"{e.Key}={ShellQuoting.Quote(e.Value!)} ");
        return string.Concat(env) + string.Join(' ', new[] { Program }.Concat(Arguments).Select(ShellQuoting.Quote));
    }
}
