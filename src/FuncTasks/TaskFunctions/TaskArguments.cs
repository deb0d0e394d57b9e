using System.Text.Json;
using System.Text.Json.Serialization;

namespace FuncTasks.TaskFunctions;

/// <summary>
/// Checks and converts a task function's arguments from the effective params: by name, strictly typed
/// (a string is not a number), C# defaults applied. Errors are keyed <c>params.&lt;name&gt;</c>.
/// </summary>
public static class TaskArguments
{
    /// <summary>Strict conversion: exact JSON types, snake_case members, no unknown members in objects.</summary>
    internal static readonly JsonSerializerOptions Conversion = CreateConversionOptions();

    /// <summary>The problems of these params for this function; empty when it can run with them.</summary>
    /// <param name="requireAll">False when checking a task's stored defaults, which the request may complete later.</param>
    public static Dictionary<string, string[]> Check(TaskFunctionDescriptor function, JsonElement? parameters, bool requireAll)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var given = parameters is { ValueKind: JsonValueKind.Object } p
            ? p.EnumerateObject().ToDictionary(e => e.Name, e => e.Value, StringComparer.Ordinal)
            : [];

        foreach (var argument in function.Arguments)
        {
            if (given.Remove(argument.Name, out var value))
            {
                if (Convert(argument, value, out _) is { } problem)
                {
                    errors[$"params.{argument.Name}"] = [problem];
                }
            }
            else if (argument.Required && requireAll)
            {
                errors[$"params.{argument.Name}"] = [$"is required by '{function.Name}' ({argument.Type})"];
            }
        }

        foreach (var unknown in given.Keys)
        {
            var known = string.Join(", ", function.Arguments.Select(a => a.Name));
            errors[$"params.{unknown}"] = [$"is not a parameter of '{function.Name}'" + (known.Length > 0 ? $" (it takes: {known})" : " (it takes none)")];
        }

        return errors;
    }

    /// <summary>The argument values in parameter order (null where a parameter is injected).</summary>
    internal static object?[] Bind(TaskFunctionDescriptor function, JsonElement? parameters)
    {
        var values = new object?[function.Parameters.Count];
        for (var i = 0; i < function.Parameters.Count; i++)
        {
            if (function.Parameters[i].Argument is not { } argument)
            {
                continue;
            }

            if (parameters is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty(argument.Name, out var value))
            {
                if (Convert(argument, value, out var converted) is { } problem)
                {
                    throw new ArgumentException($"Parameter '{argument.Name}' {problem}.", argument.Name);
                }

                values[i] = converted;
            }
            else if (!argument.Required)
            {
                values[i] = argument.DefaultValue is DBNull or System.Reflection.Missing ? null : argument.DefaultValue;
            }
            else
            {
                throw new ArgumentException($"Parameter '{argument.Name}' is required.", argument.Name);
            }
        }

        return values;
    }

    private static string? Convert(TaskArgument argument, JsonElement value, out object? converted)
    {
        converted = null;
        if (value.ValueKind == JsonValueKind.Null)
        {
            return argument.AcceptsNull ? null : $"must not be null ({argument.Type})";
        }

        try
        {
            converted = value.Deserialize(argument.ClrType, Conversion);
            return converted is null && !argument.AcceptsNull ? $"must not be null ({argument.Type})" : null;
        }
        catch (JsonException)
        {
            return $"must be {Article(argument.Type)}, not {FuncTasks.Api.JsonFields.Describe(value.ValueKind)}"
                + (argument.Type is "object" or "array" ? $" matching {argument.ClrType.Name}" : string.Empty);
        }
        catch (NotSupportedException)
        {
            return $"cannot be converted to {argument.ClrType.Name}";
        }
    }

    private static string Article(string jsonType) => jsonType switch
    {
        "integer" or "object" or "array" => "an " + jsonType,
        "any" => "a JSON value",
        _ => "a " + jsonType,
    };

    private static JsonSerializerOptions CreateConversionOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.General)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            NumberHandling = JsonNumberHandling.Strict,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
            Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
