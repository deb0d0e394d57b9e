using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FuncTasks.TaskFunctions;

/// <summary>Names of C# types as a client sees them in JSON.</summary>
internal static class TypeNames
{
    public static string Json(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string) || type == typeof(char) || type == typeof(Guid) || type == typeof(DateTime)
            || type == typeof(DateTimeOffset) || type == typeof(TimeSpan) || type.IsEnum)
        {
            return "string";
        }

        if (type == typeof(bool))
        {
            return "boolean";
        }

        if (type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte)
            || type == typeof(uint) || type == typeof(ulong) || type == typeof(ushort) || type == typeof(sbyte))
        {
            return "integer";
        }

        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return "number";
        }

        if (type == typeof(object) || type == typeof(JsonElement) || type == typeof(JsonNode))
        {
            return "any";
        }

        if (type == typeof(JsonArray) || (typeof(IEnumerable).IsAssignableFrom(type) && !IsDictionary(type)))
        {
            return "array";
        }

        return "object";
    }

    public static bool IsDictionary(Type type) =>
        typeof(IDictionary).IsAssignableFrom(type)
        || type.GetInterfaces().Append(type).Any(i => i.IsGenericType
            && (i.GetGenericTypeDefinition() == typeof(IDictionary<,>) || i.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>)));

    /// <summary>Types that are always bound from params, never injected.</summary>
    public static bool IsPlainData(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(Guid)
            || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(TimeSpan)
            || type == typeof(object) || type == typeof(JsonElement) || typeof(JsonNode).IsAssignableFrom(type)
            || type.IsArray || IsDictionary(type)
            || (type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type));
    }
}
