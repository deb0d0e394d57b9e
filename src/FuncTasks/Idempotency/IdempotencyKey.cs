using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace FuncTasks.Idempotency;

/// <summary>
/// The <c>Idempotency-Key</c> of a request and what it is compared by. The key itself is kept only as its SHA-256
/// (<see cref="Hash"/>), so neither storage nor a log ever holds it; the request it came with is reduced to a
/// <see cref="RequestFingerprint"/>.
/// </summary>
public sealed class IdempotencyKey
{
    public const string Header = "Idempotency-Key";
    public const int MaxLength = 255;

    private IdempotencyKey(string hash) => Hash = hash;

    /// <summary>Lowercase hex SHA-256 of the key: the Table row key (keys may hold characters a row key may not).</summary>
    public string Hash { get; }

    /// <summary>The request's key; null when it has none. Anything but one value of 1..255 visible ASCII characters is a 400.</summary>
    public static IdempotencyKey? From(IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (!headers.TryGetValue(Header, out var values))
        {
            return null;
        }

        if (values.Count != 1)
        {
            throw Refusals.InvalidIdempotencyKey("must be sent once");
        }

        var key = values[0] ?? string.Empty;
        if (key.Length is 0 or > MaxLength)
        {
            throw Refusals.InvalidIdempotencyKey($"must be 1 to {MaxLength} characters long");
        }

        foreach (var c in key)
        {
            if (c is < '!' or > '~')
            {
                throw Refusals.InvalidIdempotencyKey("must be visible ASCII characters only (no spaces, no control or non-ASCII characters)");
            }
        }

        return new IdempotencyKey(Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(key))));
    }
}

/// <summary>
/// What "the same request" means for a key: the method, the path (without the query string, where <c>?code=</c> keys
/// live) and the body's bytes exactly as received, as one SHA-256. Bytes rather than canonical JSON: a client that
/// retries sends the same bytes; canonical JSON would have to decide numbers, escapes and duplicate names, and bodies
/// the handler refuses as malformed would have no canonical form at all.
/// </summary>
public static class RequestFingerprint
{
    public static string Of(string method, string path, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(path);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(method.ToUpperInvariant() + "\n" + path + "\n"));
        hash.AppendData(SHA256.HashData(body));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
