using System.Globalization;
using FuncTasks.Schedules;

namespace FuncTasks.Tests.Schedules;

public sealed class ScheduleCalendarTests
{
    private static readonly DateTimeOffset Now = At("2027-03-10T12:00:00Z");

    [Fact]
    public void WeekdaysAtHalfPastNineInNewYork_AreInUtc_AcrossTheSpringChange()
    {
        var calendar = Create("30 9 * * MON-FRI", "America/New_York");

        var next = calendar.Next(Now, 5);

        // Wed 10, Thu 11, Fri 12 at 14:30Z (EST, -5); the clocks change on Sunday 14 March; Mon 15, Tue 16 at 13:30Z (EDT, -4).
        Assert.Equal(
            ["2027-03-10T14:30:00Z", "2027-03-11T14:30:00Z", "2027-03-12T14:30:00Z", "2027-03-15T13:30:00Z", "2027-03-16T13:30:00Z"],
            next.Select(Text));
    }

    [Fact]
    public void ALocalTimeInTheSpringGap_FiresOnce_AtTheFirstInstantAfterIt()
    {
        var calendar = Create("30 2 * * *", "America/New_York");

        var next = calendar.Next(At("2027-03-13T12:00:00Z"), 3);

        // 02:30 does not exist on 14 March: it fires at 03:00 EDT (07:00Z); the days around it at 02:30 local.
        Assert.Equal(["2027-03-14T07:00:00Z", "2027-03-15T06:30:00Z", "2027-03-16T06:30:00Z"], next.Select(Text));
    }

    [Fact]
    public void ALocalTimeThatHappensTwiceInTheAutumn_FiresOnce()
    {
        var calendar = Create("30 1 * * *", "America/New_York");

        var next = calendar.Next(At("2027-11-06T12:00:00Z"), 3);

        // 01:30 happens twice on 7 November (EDT, then EST): one fire, the first; then 01:30 EST.
        Assert.Equal(["2027-11-07T05:30:00Z", "2027-11-08T06:30:00Z", "2027-11-09T06:30:00Z"], next.Select(Text));
    }

    [Theory]
    // Berlin: the clocks go 02:00 -> 03:00 on 28 March 2027 and 03:00 -> 02:00 on 31 October 2027.
    [InlineData("Europe/Berlin", "2027-03-26T12:00:00Z", "2027-03-27T01:30:00Z", "2027-03-28T01:00:00Z", "2027-03-29T00:30:00Z")]
    [InlineData("Europe/Berlin", "2027-10-29T12:00:00Z", "2027-10-30T00:30:00Z", "2027-10-31T00:30:00Z", "2027-11-01T01:30:00Z")]
    // Sydney (southern hemisphere): 02:00 -> 03:00 on 3 October 2027, 03:00 -> 02:00 on 4 April 2027.
    [InlineData("Australia/Sydney", "2027-10-01T00:00:00Z", "2027-10-01T16:30:00Z", "2027-10-02T16:00:00Z", "2027-10-03T15:30:00Z")]
    [InlineData("Australia/Sydney", "2027-04-02T00:00:00Z", "2027-04-02T15:30:00Z", "2027-04-03T15:30:00Z", "2027-04-04T16:30:00Z")]
    public void HalfPastTwo_AcrossBothChanges_InOtherZones_FiresOnceADay(string zone, string from, string first, string second, string third)
    {
        // The gap's 02:30 fires at the first instant after it (03:00 new time); the repeated 02:30 fires once, the first time.
        var next = Create("30 2 * * *", zone).Next(At(from), 3);

        Assert.Equal([first, second, third], next.Select(Text));
    }

    [Theory]
    [InlineData("*/15 * * * * *", "2027-03-10T12:00:15Z")] // six fields: seconds first
    [InlineData("@hourly", "2027-03-10T13:00:00Z")]
    [InlineData("@daily", "2027-03-11T00:00:00Z")]
    [InlineData("@weekly", "2027-03-14T00:00:00Z")]
    [InlineData("@monthly", "2027-04-01T00:00:00Z")]
    [InlineData("@yearly", "2028-01-01T00:00:00Z")]
    [InlineData("0 0 L * ?", "2027-03-31T00:00:00Z")] // the last day of the month
    [InlineData("0 0 15W * *", "2027-03-15T00:00:00Z")] // the weekday nearest the 15th
    [InlineData("0 0 * * FRI#2", "2027-03-12T00:00:00Z")] // the second Friday
    [InlineData("0 9 * JAN,MAR SUN", "2027-03-14T09:00:00Z")]
    [InlineData("0 0-6/3 * * *", "2027-03-11T00:00:00Z")]
    public void Expressions_OfTheContract_Parse_AndOccurWhereExpected(string cron, string first) =>
        Assert.Equal(first, Text(Create(cron, "UTC").NextAfter(Now)!.Value));

    [Fact]
    public void TheWindow_StartsAndEndsTheOccurrences()
    {
        var calendar = Create("0 12 * * *", "UTC", start: At("2027-03-20T00:00:00Z"), end: At("2027-03-22T12:00:00Z"));

        Assert.Equal(["2027-03-20T12:00:00Z", "2027-03-21T12:00:00Z", "2027-03-22T12:00:00Z"], calendar.Next(Now, 5).Select(Text));
        Assert.Null(calendar.NextAfter(At("2027-03-22T12:00:00Z")));
    }

    [Theory]
    [InlineData("not a cron", "UTC", null, null, "cron")]
    [InlineData("* * * *", "UTC", null, null, "cron")]
    [InlineData("61 * * * *", "UTC", null, null, "cron")]
    [InlineData("0 0 30 2 *", "UTC", null, null, "cron")] // 30 February never comes
    [InlineData("0 0 * * *", "Mars/Olympus_Mons", null, null, "time_zone")]
    [InlineData("0 0 * * *", "UTC", "2027-03-05T00:00:00Z", "2027-03-01T00:00:00Z", "end_at")]
    [InlineData("0 0 * * *", "UTC", null, "2027-03-01T00:00:00Z", "cron")] // its window has passed
    [InlineData("0 0 * * *", "UTC", null, "2027-03-01T00:00:00Z", "end_at")] // named on both fields
    public void Refusals_NameTheField(string cron, string zone, string? start, string? end, string field)
    {
        var errors = new Dictionary<string, string[]>();

        var calendar = ScheduleCalendar.TryCreate(cron, zone, start is null ? null : At(start), end is null ? null : At(end), Now, errors);

        Assert.Null(calendar);
        Assert.True(errors.ContainsKey(field), $"errors: {string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}"))}");
    }

    private static ScheduleCalendar Create(string cron, string zone, DateTimeOffset? start = null, DateTimeOffset? end = null)
    {
        var errors = new Dictionary<string, string[]>();
        return ScheduleCalendar.TryCreate(cron, zone, start, end, Now, errors)
            ?? throw new InvalidOperationException(string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")));
    }

    private static DateTimeOffset At(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);

    private static string Text(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
