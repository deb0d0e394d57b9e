using System.Buffers.Text;
using System.Text;
using Azure;

namespace FuncTasks.Storage;

/// <summary>A stored value with the version storage gave it, for optimistic concurrency.</summary>
public sealed record Versioned<T>(T Value, ETag Version)
{
    /// <summary>A strong HTTP entity tag derived from the storage version (RFC 9110 <c>"..."</c>).</summary>
    public string HttpETag => HttpETags.From(Version);
}

/// <summary>
/// Storage versions are weak tags like <c>W/"datetime'…'"</c>; clients get them as strong, opaque
/// HTTP entity tags and send them back in If-Match, where they are turned back into the storage version.
/// </summary>
public static class HttpETags
{
    public static string From(ETag version) => "\"" + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(version.ToString())) + "\"";

    /// <summary>Whether an If-Match header value matches the current version.</summary>
    public static bool Matches(string ifMatch, ETag current)
    {
        var expected = From(current);
        foreach (var candidate in ifMatch.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (candidate == "*" || string.Equals(candidate, expected, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
