using System.ComponentModel.DataAnnotations;

namespace FuncTasks.Execution;

/// <summary>How jobs run (section <c>FuncTasks:Execution</c>).</summary>
public sealed class ExecutionOptions
{
    public const string Section = "FuncTasks:Execution";

    /// <summary>Timeout of a job whose task sets none.</summary>
    [Range(1, 86400)]
    public int DefaultTimeoutSeconds { get; set; } = 3600;

    /// <summary>Bytes of stdout and of stderr kept inline in a shell result; past it the full stream is a child artifact.</summary>
    [Range(1024, 4 * 1024 * 1024)]
    public int InlineOutputBytes { get; set; } = 64 * 1024;

    /// <summary>How often a running job looks at its record to notice a cancel (it may run on another instance).</summary>
    [Range(50, 60_000)]
    public int CancelPollMilliseconds { get; set; } = 1000;

    /// <summary>Bytes a job's live log keeps (each of its logs: combined, stdout, stderr); past it the log says how much it dropped.</summary>
    [Range(1024, 1L << 32)]
    public long LogMaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>How often a running job's output goes to storage (the contract: at least once a second).</summary>
    [Range(100, 1000)]
    public int LogFlushMilliseconds { get; set; } = 500;
}

/// <summary>Shell tasks (section <c>FuncTasks:Shell</c>).</summary>
public sealed class ShellOptions
{
    public const string Section = "FuncTasks:Shell";

    /// <summary>Off by default: a deployment opts in. The local sample settings turn it on.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// Comma-separated executables (names as typed, or absolute paths). When set, a shell task's command is
    /// split into arguments and run without a shell, its first word must be one of these, and shell syntax
    /// is refused.
    /// </summary>
    public string? AllowedExecutables { get; set; }
}
