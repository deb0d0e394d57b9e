using System.Text;
using System.Text.Unicode;

namespace FuncTasks.Output;

/// <summary>
/// Keeps a byte stream valid UTF-8 across writes, so the log is always text a browser can show: a character split
/// between two writes is held until its rest arrives, and invalid bytes become U+FFFD. Valid input (the usual case)
/// passes through without a copy.
/// </summary>
internal sealed class Utf8Sanitizer
{
    private readonly byte[] carry = new byte[4];
    private int carried;

    /// <summary>The valid text of <paramref name="input"/> (with what was held from the last call), holding back an incomplete last character.</summary>
    public ReadOnlySpan<byte> Sanitize(ReadOnlySpan<byte> input)
    {
        ReadOnlySpan<byte> bytes = input;
        if (carried > 0)
        {
            var joined = new byte[carried + input.Length];
            carry.AsSpan(0, carried).CopyTo(joined);
            input.CopyTo(joined.AsSpan(carried));
            carried = 0;
            bytes = joined;
        }

        var complete = CompleteLength(bytes);
        bytes[complete..].CopyTo(carry);
        carried = bytes.Length - complete;
        var body = bytes[..complete];
        return Utf8.IsValid(body) ? body : Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body));
    }

    /// <summary>What is still held at the end of the stream: an unfinished character, as U+FFFD.</summary>
    public ReadOnlySpan<byte> Finish()
    {
        var rest = carry.AsSpan(0, carried);
        carried = 0;
        return rest.IsEmpty ? rest : Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(rest));
    }

    /// <summary>How many bytes end before a multi-byte character that has not been completed yet.</summary>
    private static int CompleteLength(ReadOnlySpan<byte> bytes)
    {
        var start = bytes.Length - 1;
        while (start >= 0 && bytes.Length - start < 4 && (bytes[start] & 0xC0) == 0x80)
        {
            start--;
        }

        if (start < 0)
        {
            return bytes.Length;
        }

        var lead = bytes[start];
        var needed = lead >= 0xF0 && lead < 0xF8 ? 4 : lead >= 0xE0 && lead < 0xF0 ? 3 : lead >= 0xC0 && lead < 0xE0 ? 2 : 1;
        return bytes.Length - start < needed ? start : bytes.Length;
    }
}
