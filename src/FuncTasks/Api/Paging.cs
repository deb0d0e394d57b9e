using System.Buffers.Text;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace FuncTasks.Api;

/// <summary>A page of a list: the contract's <c>{"items": [...], "next_cursor": ...}</c>.</summary>
public sealed record ListPage<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>The <c>limit</c> and <c>cursor</c> of a list request.</summary>
public sealed record PageRequest(int Limit, string? AfterKey)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 100;

    /// <summary>Parses <c>?limit=</c> (1..100, default 50) and <c>?cursor=</c>; anything else is a 400.</summary>
    public static PageRequest FromQuery(IQueryCollection query)
    {
        var limit = DefaultLimit;
        if (query.TryGetValue("limit", out var limitValues))
        {
            if (limitValues.Count != 1 || !int.TryParse(limitValues[0], System.Globalization.NumberStyles.None,
                    System.Globalization.CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > MaxLimit)
            {
                throw Refusals.Validation("limit", $"must be an integer from 1 to {MaxLimit}");
            }
        }

        string? afterKey = null;
        if (query.TryGetValue("cursor", out var cursorValues))
        {
            afterKey = cursorValues.Count == 1 ? Cursor.Decode(cursorValues[0]) : null;
            if (afterKey is null)
            {
                throw Refusals.Validation("cursor", "is not a cursor this API issued; use next_cursor from a previous page");
            }
        }

        return new PageRequest(limit, afterKey);
    }
}

/// <summary>Opaque cursors: the storage key of the last item of a page, base64url-encoded.</summary>
public static class Cursor
{
    private const string Prefix = "k1:";

    public static string Encode(string lastKey) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(Prefix + lastKey));

    public static string? Decode(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor) || cursor.Length > 200)
        {
            return null;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            if (!text.StartsWith(Prefix, StringComparison.Ordinal))
            {
                return null;
            }

            var key = text[Prefix.Length..];
            return UlidIds.IsKeyShaped(key) ? key : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

/// <summary>Reads the filters of list requests; a value that is not one of the allowed ones is a 400.</summary>
public static class QueryFilters
{
    public static string? One(IQueryCollection query, string name)
    {
        if (!query.TryGetValue(name, out var values))
        {
            return null;
        }

        if (values.Count != 1)
        {
            throw Refusals.Validation(name, "may be given once");
        }

        return values[0];
    }

    public static bool? Boolean(IQueryCollection query, string name) => One(query, name) switch
    {
        null => null,
        "true" => true,
        "false" => false,
        _ => throw Refusals.Validation(name, "must be true or false"),
    };

    public static TEnum? Enum<TEnum>(IQueryCollection query, string name)
        where TEnum : struct, Enum
    {
        var value = One(query, name);
        if (value is null)
        {
            return null;
        }

        foreach (var candidate in System.Enum.GetValues<TEnum>())
        {
            if (string.Equals(EnumNames.ToSnake(candidate), value, StringComparison.Ordinal))
            {
                return candidate;
            }
        }

        throw Refusals.Validation(name, $"must be one of: {string.Join(", ", System.Enum.GetValues<TEnum>().Select(v => EnumNames.ToSnake(v)))}");
    }

    public static string? Id(IQueryCollection query, string name)
    {
        var value = One(query, name);
        return value is null ? null : UlidIds.Parse(value, name);
    }
}

public static class EnumNames
{
    public static string ToSnake<TEnum>(TEnum value)
        where TEnum : struct, Enum =>
        System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}
