using System.ComponentModel.DataAnnotations;

namespace FuncTasks.Api;

/// <summary>Limits of the HTTP API (section <c>FuncTasks:Api</c>).</summary>
public sealed class ApiOptions
{
    public const string Section = "FuncTasks:Api";

    /// <summary>Largest request body accepted; larger ones are refused with 413.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 256 * 1024;

    /// <summary>How long the answer to a request with an Idempotency-Key is kept (and the key held) after it was given.</summary>
    [Range(1, 24 * 366)]
    public int IdempotencyHours { get; set; } = 24;
}
