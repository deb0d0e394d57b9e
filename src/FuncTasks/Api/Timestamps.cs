using System.Globalization;
using System.Text.RegularExpressions;

namespace FuncTasks.Api;

public static partial class Timestamps
{
    /// <summary>Now, to the millisecond: what the API shows is exactly what is stored.</summary>
    public static DateTimeOffset Now(TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        return new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }

    /// <summary>An RFC 3339 timestamp with its offset (<c>Z</c> or <c>±hh:mm</c>): a time without one is ambiguous.</summary>
    public static bool TryParseRfc3339(string? text, out DateTimeOffset value)
    {
        value = default;
        return text is not null && Rfc3339().IsMatch(text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")]
    private static partial Regex Rfc3339();
}
