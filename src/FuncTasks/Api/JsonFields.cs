using System.Text.Json;

namespace FuncTasks.Api;

/// <summary>
/// Reads the fields of a JSON object one by one, with exact types, and collects every problem under
/// the field's name so one answer lists all of them.
/// </summary>
public sealed class JsonFields
{
    private readonly JsonElement body;
    private readonly string prefix;
    private readonly Dictionary<string, List<string>> errors;
    private readonly HashSet<string> known = new(StringComparer.Ordinal);

    public JsonFields(JsonElement body)
        : this(body, string.Empty, [])
    {
    }

    private JsonFields(JsonElement body, string prefix, Dictionary<string, List<string>> errors)
    {
        this.body = body;
        this.prefix = prefix;
        this.errors = errors;
    }

    /// <summary>Reads a nested object whose problems are reported as <c>name.field</c> in the same answer.</summary>
    public JsonFields Nested(JsonElement element, string name) => new(element, prefix + name + ".", errors);

    public void AddError(string field, string message)
    {
        field = prefix + field;
        if (!errors.TryGetValue(field, out var list))
        {
            errors[field] = list = [];
        }

        list.Add(message);
    }

    /// <summary>Marks fields that may be sent but are not read (for example read-only fields echoed back).</summary>
    public void Allow(params string[] names) => known.UnionWith(names);

    public bool TryGet(string name, out JsonElement value)
    {
        known.Add(name);
        if (body.TryGetProperty(name, out value))
        {
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>True when the field is present and not null.</summary>
    public bool Has(string name) => TryGet(name, out var value) && value.ValueKind != JsonValueKind.Null;

    public string? ReadString(string name, bool required, int minLength = 0, int maxLength = int.MaxValue)
    {
        if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                AddError(name, "is required");
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            AddError(name, $"must be a string, not {Describe(value.ValueKind)}");
            return null;
        }

        var text = value.GetString()!;
        if (text.Length < minLength || (minLength > 0 && string.IsNullOrWhiteSpace(text)))
        {
            AddError(name, minLength <= 1 ? "must not be empty" : $"must be at least {minLength} characters");
            return null;
        }

        if (text.Length > maxLength)
        {
            AddError(name, $"must be at most {maxLength} characters (got {text.Length})");
            return null;
        }

        return text;
    }

    public bool? ReadBoolean(string name)
    {
        if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }

        AddError(name, $"must be true or false, not {Describe(value.ValueKind)}");
        return null;
    }

    public int? ReadInteger(string name, int min, int max, bool required = false) =>
        IntegerValue(TryGet(name, out var value) ? value : null, name, min, max, required, this);

    public double? ReadNumber(string name, double min, double max)
    {
        if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number))
        {
            AddError(name, $"must be a number, not {Describe(value.ValueKind)}");
            return null;
        }

        if (number < min || number > max)
        {
            AddError(name, $"must be between {min} and {max}");
            return null;
        }

        return number;
    }

    /// <summary>An object field (or null when absent or null).</summary>
    public JsonElement? ReadObject(string name)
    {
        if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            AddError(name, $"must be an object or null, not {Describe(value.ValueKind)}");
            return null;
        }

        return value;
    }

    public JsonElement? ReadArray(string name)
    {
        if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            AddError(name, $"must be an array, not {Describe(value.ValueKind)}");
            return null;
        }

        return value;
    }

    /// <summary>Reports every field of the body that no reader asked for.</summary>
    public void RejectUnknown()
    {
        foreach (var property in body.EnumerateObject())
        {
            if (!known.Contains(property.Name))
            {
                AddError(property.Name, "is not a known field");
            }
        }
    }

    /// <summary>Throws a 400 listing every collected problem, if there is any.</summary>
    public void ThrowIfInvalid()
    {
        if (errors.Count > 0)
        {
            throw Refusals.Validation(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        }
    }

    internal static int? IntegerValue(JsonElement? element, string name, int min, int max, bool required, JsonFields sink)
    {
        if (element is not { } value || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                sink.AddError(name, "is required");
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.Number)
        {
            sink.AddError(name, $"must be an integer, not {Describe(value.ValueKind)}");
            return null;
        }

        if (!value.TryGetInt64(out var number))
        {
            sink.AddError(name, value.TryGetDouble(out var d) && Math.Abs(d) < 1e15 && d % 1 != 0
                ? "must be an integer"
                : $"must be between {min} and {max}");
            return null;
        }

        if (number < min || number > max)
        {
            sink.AddError(name, $"must be between {min} and {max}");
            return null;
        }

        return (int)number;
    }

    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
