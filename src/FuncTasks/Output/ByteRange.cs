using System.Globalization;

namespace FuncTasks.Output;

/// <summary>
/// A <c>Range</c> header of one byte range (RFC 9110 section 14.1.2): <c>bytes=N-</c> (from N to the end), <c>bytes=N-M</c>
/// or <c>bytes=-S</c> (the last S bytes). Anything else (another unit, several ranges, a malformed one) is refused with 400
/// rather than silently ignored, so a client learns its resume point was not taken.
/// </summary>
public readonly record struct ByteRange(long? First, long? Last, long? Suffix)
{
    /// <summary>The range in the header, or null when there is none.</summary>
    public static ByteRange? Parse(string? header)
    {
        if (header is null)
        {
            return null;
        }

        const string Unit = "bytes=";
        var text = header.Trim();
        if (!text.StartsWith(Unit, StringComparison.OrdinalIgnoreCase))
        {
            throw Refusals.InvalidRange($"'{Shorten(text)}' is not a byte range; send 'Range: bytes=N-'.");
        }

        var spec = text[Unit.Length..].Trim();
        if (spec.Contains(',', StringComparison.Ordinal))
        {
            throw Refusals.InvalidRange("Only one byte range is served at a time.");
        }

        var dash = spec.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            throw Refusals.InvalidRange($"'{Shorten(text)}' is not a byte range; send 'Range: bytes=N-'.");
        }

        var (start, end) = (spec[..dash].Trim(), spec[(dash + 1)..].Trim());
        if (start.Length == 0)
        {
            return Number(end) is { } suffix ? new ByteRange(null, null, suffix) : throw Malformed(text);
        }

        var first = Number(start) ?? throw Malformed(text);
        if (end.Length == 0)
        {
            return new ByteRange(first, null, null);
        }

        var last = Number(end) ?? throw Malformed(text);
        return last >= first ? new ByteRange(first, last, null) : throw Refusals.InvalidRange($"The range '{Shorten(text)}' ends before it starts.");
    }

    /// <summary>Only <c>bytes=N-</c> says where a stream starts.</summary>
    public bool IsOpenEnded => First is not null && Last is null;

    /// <summary>The first and last byte of the range in content of <paramref name="length"/> bytes; 416 when none of it is there.</summary>
    public (long First, long Last) Resolve(long length)
    {
        if (Suffix is { } suffix)
        {
            return suffix > 0 && length > 0 ? (Math.Max(0, length - suffix), length - 1) : throw Refusals.RangeNotSatisfiable(length);
        }

        var first = First!.Value;
        return first < length ? (first, Math.Min(Last ?? length - 1, length - 1)) : throw Refusals.RangeNotSatisfiable(length);
    }

    private static long? Number(string digits) =>
        digits.Length is > 0 and <= 18 && digits.All(char.IsAsciiDigit) ? long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture) : null;

    private static RefusalException Malformed(string text) =>
        Refusals.InvalidRange($"'{Shorten(text)}' is not a byte range; send 'Range: bytes=N-'.");

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
