using System.ComponentModel.DataAnnotations;

namespace FuncTasks.Api;

/// <summary>Limits of the HTTP API (section <c>FuncTasks:Api</c>).</summary>
public sealed class ApiOptions
{
    public const string Section = "FuncTasks:Api";

    /// <summary>Largest request body accepted; larger ones are refused with 413.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 256 * 1024;
}
