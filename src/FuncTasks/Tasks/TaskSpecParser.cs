using System.Text.Json;
using System.Text.RegularExpressions;
using FuncTasks.Api;

namespace FuncTasks.Tasks;

/// <summary>Turns a create or replace body into a <see cref="TaskSpec"/>, or a 400 listing every bad field.</summary>
public static partial class TaskSpecParser
{
    public const int MaxCommandLength = 8192;
    public const int MaxTags = 50;
    public const int MaxTimeoutSeconds = 86400;
    public const int MaxEnvVariables = 200;

    /// <summary>Serialized params and env each fit in one Table property (64 KiB of UTF-16).</summary>
    public const int MaxSerializedFieldChars = 32_000;

    /// <summary>Parses the body; the id a client sent (if any) is returned for the caller to check.</summary>
    public static (TaskSpec Spec, string? ClientId) Parse(JsonElement body)
    {
        var fields = new JsonFields(body);
        // Read-only fields a client may echo back from a GET; they are ignored.
        fields.Allow("created_at", "updated_at", "disabled_reason");

        var clientId = ReadClientId(fields);
        var command = fields.ReadString("command", required: true, minLength: 1, maxLength: MaxCommandLength);
        var taskType = ReadTaskType(fields);
        var parameters = fields.ReadObject("params");
        var env = ReadEnv(fields);
        var enabled = fields.ReadBoolean("enabled") ?? true;
        var tags = ReadTags(fields);
        var timeout = fields.ReadInteger("timeout_seconds", 1, MaxTimeoutSeconds);
        var retry = ReadRetry(fields);

        if (parameters is { } p && p.GetRawText().Length > MaxSerializedFieldChars)
        {
            fields.AddError("params", $"must serialize to at most {MaxSerializedFieldChars} characters");
        }

        fields.RejectUnknown();
        fields.ThrowIfInvalid();

        return (new TaskSpec(command!, taskType, parameters?.Clone(), env, enabled, tags, timeout, retry), clientId);
    }

    /// <summary>The <c>id</c> a client may give on create (a ULID, in canonical form), or null when it gave none.</summary>
    public static string? ReadClientId(JsonFields fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (!fields.TryGet("id", out var idElement) || idElement.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (idElement.ValueKind != JsonValueKind.String || !UlidIds.IsValid(idElement.GetString()))
        {
            fields.AddError("id", "must be a ULID (26 characters of Crockford base32)");
            return null;
        }

        return idElement.GetString()!.ToUpperInvariant();
    }

    private static TaskType? ReadTaskType(JsonFields fields)
    {
        var text = fields.ReadString("task_type", required: false);
        return text switch
        {
            null => null,
            "function" => TaskType.Function,
            "shell" => TaskType.Shell,
            _ => AddErrorAndReturnNull(fields, "task_type", "must be 'function' or 'shell'"),
        };
    }

    private static TaskType? AddErrorAndReturnNull(JsonFields fields, string name, string message)
    {
        fields.AddError(name, message);
        return null;
    }

    /// <summary>Reads an <c>env</c> object: valid variable names, string values, bounded count and size.</summary>
    public static Dictionary<string, string> ReadEnv(JsonFields fields)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        if (fields.ReadObject("env") is not { } element)
        {
            return env;
        }

        foreach (var variable in element.EnumerateObject())
        {
            if (!EnvName().IsMatch(variable.Name))
            {
                fields.AddError($"env.{variable.Name}", "is not a valid variable name ([A-Za-z_][A-Za-z0-9_]*)");
            }
            else if (variable.Value.ValueKind != JsonValueKind.String)
            {
                fields.AddError($"env.{variable.Name}", $"must be a string, not {JsonFields.Describe(variable.Value.ValueKind)}");
            }
            else
            {
                env[variable.Name] = variable.Value.GetString()!;
            }
        }

        if (env.Count > MaxEnvVariables)
        {
            fields.AddError("env", $"may hold at most {MaxEnvVariables} variables");
        }
        else if (element.GetRawText().Length > MaxSerializedFieldChars)
        {
            fields.AddError("env", $"must serialize to at most {MaxSerializedFieldChars} characters");
        }

        return env;
    }

    public static List<string> ReadTags(JsonFields fields)
    {
        var tags = new List<string>();
        if (fields.ReadArray("tags") is not { } element)
        {
            return tags;
        }

        var index = 0;
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || !IsValidTag(item.GetString()))
            {
                fields.AddError($"tags[{index}]", "must be a string of 1 to 100 characters from [A-Za-z0-9_-]");
            }
            else if (tags.Contains(item.GetString()!, StringComparer.Ordinal))
            {
                fields.AddError($"tags[{index}]", $"repeats the tag '{item.GetString()}'");
            }
            else
            {
                tags.Add(item.GetString()!);
            }

            index++;
        }

        if (index > MaxTags)
        {
            fields.AddError("tags", $"may hold at most {MaxTags} tags (got {index})");
        }

        return tags;
    }

    public static bool IsValidTag(string? tag) => tag is not null && Tag().IsMatch(tag);

    private static RetryPolicy? ReadRetry(JsonFields fields)
    {
        if (fields.ReadObject("retry") is not { } element)
        {
            return null;
        }

        var retry = fields.Nested(element, "retry");
        var maxAttempts = retry.ReadInteger("max_attempts", 1, 10, required: true);
        var firstDelay = retry.ReadNumber("first_delay_seconds", 0.001, 86400) ?? RetryPolicy.DefaultFirstDelaySeconds;
        var backoff = retry.ReadNumber("backoff", 1, 100) ?? RetryPolicy.DefaultBackoff;
        retry.RejectUnknown();
        return maxAttempts is { } attempts ? new RetryPolicy(attempts, firstDelay, backoff) : null;
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,100}$")]
    private static partial Regex Tag();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvName();
}
