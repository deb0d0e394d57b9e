using System.Text.Json;
using System.Text.Json.Nodes;
using FuncTasks.Api;

namespace FuncTasks.Execution;

/// <summary>The optional body of <c>$execute</c>: params and env merged over the task's own.</summary>
public sealed record ExecuteRequest(JsonElement? Params, IReadOnlyDictionary<string, string>? Env)
{
    public static readonly ExecuteRequest Empty = new(null, null);

    public static ExecuteRequest Parse(JsonElement? body)
    {
        if (body is not { } element)
        {
            return Empty;
        }

        var fields = new JsonFields(element);
        var parameters = fields.ReadObject("params");
        var env = fields.Has("env") ? Tasks.TaskSpecParser.ReadEnv(fields) : null;
        fields.RejectUnknown();
        fields.ThrowIfInvalid();
        return new ExecuteRequest(parameters?.Clone(), env);
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
