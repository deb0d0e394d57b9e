using System.Globalization;
using System.Net;
using System.Text.Json;
using FuncTasks.Api;
using FuncTasks.Jobs;
using FuncTasks.Tasks;
using FuncTasks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using NUlid;

namespace FuncTasks.Tests.Jobs;

/// <summary><c>GET /api/v1/jobs/$stats</c> over job records written at chosen times (one app and jobs table per test).</summary>
public sealed class JobStatsTests : AppTests
{
    private static readonly DateTimeOffset Now = Timestamps.Now(TimeProvider.System);

    [Fact]
    public async Task Stats_CountTheJobsSubmittedSince_ByStatus_PerMinute_AndRunTimes()
    {
        var since = Now.AddMinutes(-30);
        // Outside the window: submitted before since (one of them still running).
        await AddAsync(since.AddMinutes(-5), JobStatus.Completed, started: 1, ran: 100);
        await AddAsync(since.AddHours(-2), JobStatus.Running, started: 1);
        // Inside: two pending, one running, three completed, one failed, one canceled before it started.
        var inside = new List<(JobStatus Status, DateTimeOffset? FinishedAt)>
        {
            await AddAsync(since.AddMinutes(1), JobStatus.Pending),
            await AddAsync(since.AddMinutes(2), JobStatus.Pending),
            await AddAsync(since.AddMinutes(3), JobStatus.Running, started: 1),
            await AddAsync(since.AddMinutes(4), JobStatus.Completed, started: 1, ran: 1000),
            await AddAsync(since.AddMinutes(4), JobStatus.Completed, started: 1, ran: 3000),
            await AddAsync(since.AddMinutes(10), JobStatus.Failed, started: 2, ran: 2000),
            await AddAsync(since.AddMinutes(11), JobStatus.Canceled, finishedAfter: 5),
            // A schedule's catch-up fire: its id carries the occurrence, 20 minutes before it was submitted inside the window.
            await AddAsync(since.AddMinutes(5), JobStatus.Completed, started: 59, ran: 4000, idTime: since.AddMinutes(-15)),
        };

        var stats = await GetStatsAsync($"?since={Uri.EscapeDataString(ApiJson.FormatTimestamp(since))}");

        Assert.Equal(ApiJson.FormatTimestamp(since), stats.GetProperty("since").GetString());
        var until = DateTimeOffset.Parse(stats.GetProperty("until").GetString()!, CultureInfo.InvariantCulture);
        Assert.InRange(until, Now, DateTimeOffset.UtcNow.AddSeconds(1));
        var counts = stats.GetProperty("counts");
        Assert.Equal(
            (2, 1, 3, 1, 1),
            (Count(counts, "pending"), Count(counts, "running"), Count(counts, "completed"), Count(counts, "failed"), Count(counts, "canceled")));

        // Every minute from since's to until's, oldest first; each ended job in the minute of its finished_at.
        var minutes = stats.GetProperty("per_minute").EnumerateArray().ToList();
        var firstMinute = Floor(since);
        Assert.Equal((int)((Floor(until) - firstMinute).TotalMinutes) + 1, minutes.Count);
        for (var i = 0; i < minutes.Count; i++)
        {
            Assert.Equal(ApiJson.FormatTimestamp(firstMinute.AddMinutes(i)), minutes[i].GetProperty("minute").GetString());
        }

        foreach (var minute in minutes)
        {
            foreach (var status in new[] { JobStatus.Completed, JobStatus.Failed, JobStatus.Canceled })
            {
                var expected = inside.Count(j => j.Status == status && ApiJson.FormatTimestamp(Floor(j.FinishedAt!.Value)) == minute.GetProperty("minute").GetString());
                Assert.Equal(expected, Count(minute, EnumNames.ToSnake(status)));
            }
        }

        Assert.Equal(5, minutes.Sum(m => Count(m, "completed") + Count(m, "failed") + Count(m, "canceled")));

        // Run times of the four that started and ended: 1000, 2000, 3000, 4000 ms (nearest rank); the canceled one never ran.
        var durations = stats.GetProperty("duration_ms");
        Assert.Equal((2000, 4000, 4000), (durations.GetProperty("p50").GetInt64(), durations.GetProperty("p95").GetInt64(), durations.GetProperty("max").GetInt64()));
    }

    [Fact]
    public async Task Stats_WithoutSince_AreTheLastHour_AndNullRunTimesWhenNothingEnded()
    {
        await AddAsync(Now.AddMinutes(-61), JobStatus.Completed, started: 1, ran: 10);
        await AddAsync(Now.AddMinutes(-59), JobStatus.Pending);

        var stats = await GetStatsAsync(string.Empty);

        var since = DateTimeOffset.Parse(stats.GetProperty("since").GetString()!, CultureInfo.InvariantCulture);
        var until = DateTimeOffset.Parse(stats.GetProperty("until").GetString()!, CultureInfo.InvariantCulture);
        Assert.Equal(TimeSpan.FromHours(1), until - since);
        Assert.Equal(1, Count(stats.GetProperty("counts"), "pending"));
        Assert.Equal(0, Count(stats.GetProperty("counts"), "completed"));
        Assert.InRange(stats.GetProperty("per_minute").GetArrayLength(), 60, 61);
        var durations = stats.GetProperty("duration_ms");
        Assert.All(new[] { "p50", "p95", "max" }, name => Assert.Equal(JsonValueKind.Null, durations.GetProperty(name).ValueKind));
    }

    [Fact]
    public async Task Stats_ReadAnOffsetSince_EvenWithItsPlusDecodedAsASpace()
    {
        await AddAsync(Now.AddMinutes(-20), JobStatus.Pending);
        var local = Now.AddMinutes(-30).ToOffset(TimeSpan.FromHours(2)).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);

        var encoded = await GetStatsAsync($"?since={Uri.EscapeDataString(local)}");
        var plusAsSpace = await GetStatsAsync($"?since={local}");

        Assert.Equal(ApiJson.FormatTimestamp(Now.AddMinutes(-30)), encoded.GetProperty("since").GetString());
        Assert.Equal(encoded.GetProperty("since").GetString(), plusAsSpace.GetProperty("since").GetString());
        Assert.Equal(1, Count(plusAsSpace.GetProperty("counts"), "pending"));
    }

    [Fact]
    public async Task Stats_SevenDaysBack_IsTheLongestWindow()
    {
        await AddAsync(Now.AddDays(-7).AddMinutes(30), JobStatus.Completed, started: 1, ran: 5);

        var stats = await GetStatsAsync($"?since={Uri.EscapeDataString(ApiJson.FormatTimestamp(Now.AddDays(-7)))}");

        Assert.Equal(1, Count(stats.GetProperty("counts"), "completed"));
        Assert.InRange(stats.GetProperty("per_minute").GetArrayLength(), 7 * 24 * 60, (7 * 24 * 60) + 2);
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2026-01-01")]
    [InlineData("2026-01-01T00:00:00")]
    [InlineData("2026-13-01T00:00:00Z")]
    [InlineData("")]
    [InlineData("days:8")]
    [InlineData("future")]
    [InlineData("twice")]
    public async Task Stats_BadSince_Is400_NamingIt(string since)
    {
        var query = since switch
        {
            "days:8" => $"?since={Uri.EscapeDataString(ApiJson.FormatTimestamp(Now.AddDays(-8)))}",
            "future" => $"?since={Uri.EscapeDataString(ApiJson.FormatTimestamp(Now.AddMinutes(10)))}",
            "twice" => $"?since={Uri.EscapeDataString(ApiJson.FormatTimestamp(Now.AddMinutes(-10)))}&since={Uri.EscapeDataString(ApiJson.FormatTimestamp(Now.AddMinutes(-5)))}",
            _ => $"?since={Uri.EscapeDataString(since)}",
        };

        using var response = await App.GetAsync($"/api/v1/jobs/$stats{query}");

        await Json.AssertProblemAsync(response, 400, "validation-failed", "since");
    }

    [Fact]
    public void Compute_AJobEndedInTheMinuteOfUntil_IsInTheLastEntry()
    {
        var since = new DateTimeOffset(2026, 11, 27, 12, 0, 30, TimeSpan.Zero);
        var until = since.AddMinutes(2);
        var job = new JobTimes(JobStatus.Failed, since.AddSeconds(1), since.AddSeconds(2), until);

        var stats = JobStatistics.Compute(since, until, [job]);

        Assert.Equal(3, stats.PerMinute.Count);
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero), stats.PerMinute[0].Minute);
        Assert.Equal(1, stats.PerMinute[^1].Failed);
        Assert.Equal((long)(until - since.AddSeconds(2)).TotalMilliseconds, stats.DurationMs.Max);
    }

    private async Task<JsonElement> GetStatsAsync(string query)
    {
        using var response = await App.GetAsync($"/api/v1/jobs/$stats{query}");
        var body = await Json.ReadAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"$stats{query}: {(int)response.StatusCode} {body}");
        return body;
    }

    /// <summary>Writes a job record submitted at <paramref name="submitted"/>, started and ended the given seconds and milliseconds later.</summary>
    private async Task<(JobStatus, DateTimeOffset?)> AddAsync(
        DateTimeOffset submitted, JobStatus status, int? started = null, int? ran = null, int? finishedAfter = null, DateTimeOffset? idTime = null)
    {
        var startedAt = started is { } s ? submitted.AddSeconds(s) : (DateTimeOffset?)null;
        DateTimeOffset? finishedAt = status is JobStatus.Completed or JobStatus.Failed
            ? startedAt!.Value.AddMilliseconds(ran!.Value)
            : finishedAfter is { } f ? submitted.AddSeconds(f) : null;
        var id = idTime is { } at ? UlidIds.ForOccurrence(Ulid.NewUlid().ToString(), at) : Ulid.NewUlid(submitted).ToString();
        var job = new Job(id, Ulid.NewUlid().ToString(), TaskType.Shell, "true", null, status, submitted, startedAt, finishedAt, null, null, null, null);
        await App.Services.GetRequiredService<JobStore>().CreateAsync(job, CancellationToken.None);
        return (status, finishedAt);
    }

    private static int Count(JsonElement element, string name) => element.GetProperty(name).GetInt32();

    private static DateTimeOffset Floor(DateTimeOffset time) => new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
}
