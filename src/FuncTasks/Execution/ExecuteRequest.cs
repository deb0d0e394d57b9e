using System.Text.Json;
using System.Text.Json.Nodes;
using FuncTasks.Api;

namespace FuncTasks.Execution;

/// <summary>
/// The optional body of <c>$execute</c>: params and env merged over the task's own, and when to run: at
/// <see cref="RunAt"/> or after <see cref="DelaySeconds"/> (not both), else at once.
/// </summary>
public sealed record ExecuteRequest(JsonElement? Params, IReadOnlyDictionary<string, string>? Env)
{
    /// <summary>A run_at this far in the past still runs (at once); further back is refused.</summary>
    public static readonly TimeSpan PastTolerance = TimeSpan.FromSeconds(5);

    /// <summary>The furthest ahead a job can be delayed (366 days, also delay_seconds' maximum).</summary>
    public static readonly TimeSpan LongestDelay = TimeSpan.FromDays(366);

    public static readonly ExecuteRequest Empty = new(null, null);

    public DateTimeOffset? RunAt { get; init; }

    public int? DelaySeconds { get; init; }

    /// <summary>When the job is due, or null to run at once; the refusal for a time out of range.</summary>
    public DateTimeOffset? DueAt(DateTimeOffset now)
    {
        var due = RunAt ?? (DelaySeconds is { } delay ? now.AddSeconds(delay) : null);
        if (due is not { } at)
        {
            return null;
        }

        if (at < now - PastTolerance)
        {
            throw Refusals.Validation("run_at", $"is more than {PastTolerance.TotalSeconds:0} s in the past");
        }

        if (at > now + LongestDelay)
        {
            throw Refusals.Validation(RunAt is null ? "delay_seconds" : "run_at", $"is more than {LongestDelay.TotalDays:0} days ahead");
        }

        return at > now ? at : null;
    }

    public static ExecuteRequest Parse(JsonElement? body)
    {
        if (body is not { } element)
        {
            return Empty;
        }

        var fields = new JsonFields(element);
        var parameters = fields.ReadObject("params");
        var env = fields.Has("env") ? Tasks.TaskSpecParser.ReadEnv(fields) : null;
        var runAt = ReadTimestamp(fields, "run_at");
        var delay = fields.ReadInteger("delay_seconds", 1, (int)LongestDelay.TotalSeconds);
        if (fields.Has("run_at") && fields.Has("delay_seconds"))
        {
            fields.AddError("delay_seconds", "give run_at or delay_seconds, not both");
        }

        fields.RejectUnknown();
        fields.ThrowIfInvalid();
        return new ExecuteRequest(parameters?.Clone(), env) { RunAt = runAt, DelaySeconds = delay };
    }

    /// <summary>An RFC 3339 timestamp with its offset (<c>Z</c> or <c>±hh:mm</c>): a time without one is ambiguous.</summary>
    internal static DateTimeOffset? ReadTimestamp(JsonFields fields, string name)
    {
        var text = fields.ReadString(name, required: false, minLength: 1, maxLength: 64);
        if (text is null)
        {
            return null;
        }

        if (Timestamps.TryParseRfc3339(text, out var value))
        {
            return value;
        }

        fields.AddError(name, "must be an RFC 3339 timestamp with an offset, e.g. 2026-12-01T02:00:00Z or 2026-12-01T03:00:00+01:00");
        return null;
    }

    /// <summary>The task's params with the request's over them (a shallow merge: the request wins per key).</summary>
    public static JsonElement? MergeParams(JsonElement? taskParams, JsonElement? requestParams)
    {
        if (requestParams is null)
        {
            return taskParams;
        }

        if (taskParams is null)
        {
            return requestParams;
        }

        var merged = JsonNode.Parse(taskParams.Value.GetRawText())!.AsObject();
        foreach (var property in requestParams.Value.EnumerateObject())
        {
            merged[property.Name] = JsonNode.Parse(property.Value.GetRawText());
        }

        return JsonSerializer.SerializeToElement(merged);
    }

    public static IReadOnlyDictionary<string, string> MergeEnv(IReadOnlyDictionary<string, string> taskEnv, IReadOnlyDictionary<string, string>? requestEnv)
    {
        var merged = new Dictionary<string, string>(taskEnv, StringComparer.Ordinal);
        foreach (var (name, value) in requestEnv ?? new Dictionary<string, string>())
        {
            merged[name] = value;
        }

        return merged;
    }
}
