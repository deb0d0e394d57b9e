using System.Text.Json;
using System.Text.Json.Serialization;

namespace FuncTasks.Artifacts;

/// <summary>A stored result: metadata, and for JSON artifacts the value itself in <see cref="Data"/>.</summary>
public sealed record Artifact(
    string Id,
    string? JobId,
    string? TaskId,
    string? ParentId,
    string ContentType,
    long SizeBytes,
    DateTimeOffset CreatedAt)
{
    public const string JsonContentType = "application/json";

    /// <summary>The JSON value (JSON artifacts read one by one); absent in lists and for other content.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public JsonElement? Data { get; init; }

    [JsonIgnore]
    public bool IsJson => ContentType.StartsWith(JsonContentType, StringComparison.OrdinalIgnoreCase);
}

/// <summary>What a new artifact is attached to.</summary>
public sealed record ArtifactLinks(string? JobId, string? TaskId, string? ParentId);

public sealed record ArtifactQuery(string? JobId, string? TaskId, string? ParentId);
