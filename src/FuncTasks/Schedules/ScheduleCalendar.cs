using Cronos;

namespace FuncTasks.Schedules;

/// <summary>
/// When a schedule fires: its cron expression (5 fields, or 6 with seconds first, or a macro such as <c>@daily</c>)
/// in its time zone, within its optional window. Cronos does the calendar arithmetic, daylight saving included: a
/// local time that does not exist fires once at the first instant after the gap, one that happens twice fires once.
/// </summary>
public sealed class ScheduleCalendar
{
    private readonly CronExpression expression;
    private readonly TimeZoneInfo zone;
    private readonly DateTimeOffset? startAt;
    private readonly DateTimeOffset? endAt;

    private ScheduleCalendar(CronExpression expression, TimeZoneInfo zone, DateTimeOffset? startAt, DateTimeOffset? endAt)
    {
        this.expression = expression;
        this.zone = zone;
        this.startAt = startAt;
        this.endAt = endAt;
    }

    /// <summary>The calendar, or null with the fields at fault in <paramref name="errors"/> (keyed by field name).</summary>
    public static ScheduleCalendar? TryCreate(string cron, string timeZone, DateTimeOffset? startAt, DateTimeOffset? endAt,
        DateTimeOffset now, IDictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(cron);
        ArgumentNullException.ThrowIfNull(errors);
        var expression = TryParse(cron, errors);
        var zone = TryFindZone(timeZone, errors);
        if (startAt is { } start && endAt is { } end && end < start)
        {
            errors["end_at"] = ["must not be before start_at"];
            return null;
        }

        if (expression is null || zone is null)
        {
            return null;
        }

        var calendar = new ScheduleCalendar(expression, zone, startAt, endAt);
        if (calendar.NextAfter(now) is null)
        {
            errors["cron"] = [endAt is null ? "never occurs again" : "never occurs again before end_at"];
            if (endAt is not null)
            {
                errors["end_at"] = ["comes before the schedule's next occurrence"];
            }

            return null;
        }

        return calendar;
    }

    /// <summary>The calendar of a stored schedule (checked when it was written); null if it no longer parses here.</summary>
    public static ScheduleCalendar? Of(ScheduleSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var errors = new Dictionary<string, string[]>();
        var expression = TryParse(spec.Cron, errors);
        var zone = TryFindZone(spec.TimeZone, errors);
        return expression is null || zone is null ? null : new ScheduleCalendar(expression, zone, spec.StartAt, spec.EndAt);
    }

    /// <summary>The first occurrence strictly after <paramref name="instant"/> inside the window; null when there is none.</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset instant)
    {
        var from = startAt is { } start && start > instant ? start.AddTicks(-1) : instant;
        var next = expression.GetNextOccurrence(from.ToUniversalTime(), zone, inclusive: false);
        return next is { } at && (endAt is null || at <= endAt) ? at.ToUniversalTime() : null;
    }

    /// <summary>Up to <paramref name="count"/> occurrences after <paramref name="instant"/>, in UTC.</summary>
    public IReadOnlyList<DateTimeOffset> Next(DateTimeOffset instant, int count)
    {
        var occurrences = new List<DateTimeOffset>(count);
        for (var at = NextAfter(instant); at is { } next && occurrences.Count < count; at = NextAfter(next))
        {
            occurrences.Add(next);
        }

        return occurrences;
    }

    private static CronExpression? TryParse(string cron, IDictionary<string, string[]> errors)
    {
        var text = cron.Trim();
        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        var format = fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
        if (!text.StartsWith('@') && fields is not (5 or 6))
        {
            errors["cron"] = [$"has {fields} fields; give 5 (minute hour day-of-month month day-of-week), 6 (seconds first) or a macro such as @daily"];
            return null;
        }

        try
        {
            return CronExpression.Parse(text, format);
        }
        catch (CronFormatException ex)
        {
            errors["cron"] = [$"is not a valid cron expression: {ex.Message}"];
            return null;
        }
    }

    private static TimeZoneInfo? TryFindZone(string timeZone, IDictionary<string, string[]> errors)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(timeZone);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            errors["time_zone"] = [$"'{timeZone}' is not a known IANA time zone (such as UTC or America/New_York)"];
            return null;
        }
    }
}
