namespace Harness.Suites.Splats;

/// <summary>Kinds of kernel report the scanner recognizes, by their first line.</summary>
public enum SplatKind
{
    /// <summary><c>WARNING: file:line at func, CPU#n: comm/pid</c> (7.x) or <c>WARNING: CPU: n PID: n at …</c> (older).</summary>
    Warning,

    /// <summary><c>BUG: …</c> (NULL dereference, sleeping in atomic context, soft lockup, KMSAN, KCSAN) or <c>kernel BUG at file:line!</c>.</summary>
    Bug,

    /// <summary><c>Oops: …</c> not preceded by a BUG line.</summary>
    Oops,

    /// <summary><c>Oops: general protection fault, …</c> (x86), or the same without the "Oops: " prefix on older kernels.</summary>
    GeneralProtectionFault,

    /// <summary><c>BUG: KASAN: …</c>.</summary>
    Kasan,

    /// <summary><c>BUG: KFENCE: …</c>.</summary>
    Kfence,

    /// <summary><c>UBSAN: … in file:line:col</c>.</summary>
    Ubsan,

    /// <summary>A lockdep report: <c>WARNING: possible circular locking dependency detected</c>, <c>WARNING: inconsistent lock state</c> and the others lockdep.c prints.</summary>
    Lockdep,

    /// <summary><c>rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:</c> or <c>… self-detected stall on CPU</c>.</summary>
    RcuStall,

    /// <summary><c>INFO: task comm:pid blocked for more than N seconds.</c></summary>
    HungTask,

    /// <summary><c>Kernel panic - not syncing: …</c>.</summary>
    Panic,
}

public static class SplatKindExtensions
{
    /// <summary>Lower-case name used in results.json: warning, bug, oops, gpf, kasan, kfence, ubsan, lockdep, rcu-stall, hung-task, panic.</summary>
    public static string ToKey(this SplatKind kind) => kind switch
    {
        SplatKind.Warning => "warning",
        SplatKind.Bug => "bug",
        SplatKind.Oops => "oops",
        SplatKind.GeneralProtectionFault => "gpf",
        SplatKind.Kasan => "kasan",
        SplatKind.Kfence => "kfence",
        SplatKind.Ubsan => "ubsan",
        SplatKind.Lockdep => "lockdep",
        SplatKind.RcuStall => "rcu-stall",
        SplatKind.HungTask => "hung-task",
        SplatKind.Panic => "panic",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown splat kind."),
    };

    public static bool TryParseKey(string key, out SplatKind kind)
    {
        foreach (var candidate in Enum.GetValues<SplatKind>())
        {
            if (candidate.ToKey() == key)
            {
                kind = candidate;
                return true;
            }
        }
        kind = default;
        return false;
    }

    /// <summary>How a person names the report: "WARNING", "KASAN report", "RCU stall".</summary>
    public static string ToLabel(this SplatKind kind) => kind switch
    {
        SplatKind.Warning => "WARNING",
        SplatKind.Bug => "BUG",
        SplatKind.Oops => "Oops",
        SplatKind.GeneralProtectionFault => "general protection fault",
        SplatKind.Kasan => "KASAN report",
        SplatKind.Kfence => "KFENCE report",
        SplatKind.Ubsan => "UBSAN report",
        SplatKind.Lockdep => "lockdep report",
        SplatKind.RcuStall => "RCU stall",
        SplatKind.HungTask => "hung task",
        SplatKind.Panic => "kernel panic",
        _ => kind.ToString(),
    };
}
