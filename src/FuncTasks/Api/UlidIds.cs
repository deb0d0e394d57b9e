using NUlid;

namespace FuncTasks.Api;

/// <summary>ULID ids: new ones from the app's clock, and strict parsing of ids clients send.</summary>
public static class UlidIds
{
    private const string Crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static string New(TimeProvider clock) => Ulid.NewUlid(clock.GetUtcNow()).ToString();

    /// <summary>The smallest ULID of the millisecond <paramref name="time"/>: every id made before it sorts below it.</summary>
    public static string Earliest(DateTimeOffset time) => Ulid.NewUlid(time).ToString()[..10] + new string('0', 16);

    /// <summary>True for 26 Crockford base32 characters (case-insensitive) that fit in 128 bits.</summary>
    public static bool IsValid(string? value)
    {
        if (value is null || value.Length != 26 || value[0] > '7')
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!Crockford.Contains(char.ToUpperInvariant(c), StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The canonical (upper-case) form of a path or body id, or a 400 naming the field.</summary>
    public static string Parse(string? value, string field)
    {
        if (!IsValid(value))
        {
            throw Refusals.InvalidId(field, value ?? string.Empty);
        }

        return value!.ToUpperInvariant();
    }

    /// <summary>Maps each character to its mirror (0↔Z), so ascending order of the result is newest first.</summary>
    public static string Invert(string ulid)
    {
        var chars = new char[ulid.Length];
        for (var i = 0; i < ulid.Length; i++)
        {
            chars[i] = Crockford[Crockford.Length - 1 - Crockford.IndexOf(ulid[i], StringComparison.Ordinal)];
        }

        return new string(chars);
    }

    /// <summary>A ULID derived from another and a label: same time part, random part from a hash, so it is the same every time.</summary>
    public static string Derive(string ulid, string label)
    {
        var bytes = Ulid.Parse(ulid).ToByteArray(); // 6 bytes of time, then 10 random
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(ulid + "/" + label)).AsSpan(0, 10).CopyTo(bytes.AsSpan(6));
        return new Ulid(bytes).ToString();
    }

    /// <summary>A ULID whose time is <paramref name="at"/> and whose random part is a hash of both: the same for the same pair.</summary>
    public static string ForOccurrence(string ownerId, DateTimeOffset at)
    {
        var bytes = Ulid.NewUlid(at).ToByteArray();
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{ownerId}/{at.UtcTicks}")).AsSpan(0, 10).CopyTo(bytes.AsSpan(6));
        return new Ulid(bytes).ToString();
    }

    /// <summary>Whether the value is made only of Crockford characters and has a ULID's length (inverted or not).</summary>
    public static bool IsKeyShaped(string value) =>
        value.Length == 26 && value.All(c => Crockford.Contains(c, StringComparison.Ordinal));
}
