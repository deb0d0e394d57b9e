using System.Net;
using System.Text.Json;
using FuncTasks.Testing;
using FuncTasks.Tests.Infrastructure;

namespace FuncTasks.Tests.Schedules;

/// <summary>Creating, reading and waiting on schedules over the HTTP API.</summary>
public static class ScheduleAssert
{
    public static async Task<JsonElement> CreateAsync(AppHost app, string json)
    {
        using var response = await app.PostAsync("/api/v1/schedules", json);
        var body = await Json.ReadAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST schedule: {(int)response.StatusCode} {body}");
        return body;
    }

    public static async Task<JsonElement> GetAsync(AppHost app, string scheduleId)
    {
        using var response = await app.GetAsync($"/api/v1/schedules/{scheduleId}");
        var body = await Json.ReadAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET schedule: {(int)response.StatusCode} {body}");
        return body;
    }

    /// <summary>Replaces the schedule with its current fields changed by <paramref name="change"/> (a JSON object merged over them).</summary>
    public static async Task<JsonElement> ChangeAsync(AppHost app, string scheduleId, string change)
    {
        var current = System.Text.Json.Nodes.JsonNode.Parse((await GetAsync(app, scheduleId)).GetRawText())!.AsObject();
        foreach (var (name, value) in System.Text.Json.Nodes.JsonNode.Parse(change)!.AsObject())
        {
            current[name] = value?.DeepClone();
        }

        using var response = await app.PutAsync($"/api/v1/schedules/{scheduleId}", current.ToJsonString());
        var body = await Json.ReadAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"PUT schedule: {(int)response.StatusCode} {body}");
        return body;
    }

    /// <summary>The jobs the schedule started, oldest occurrence (or, triggered, submission) first.</summary>
    public static async Task<List<JobRecord>> JobsAsync(AppHost app, string scheduleId)
    {
        var jobs = await FuncTasks.Tests.Gate.GateAssert.ListJobsAsync(app, $"schedule_id={scheduleId}");
        return [.. jobs.OrderBy(j => j.Json.GetProperty("scheduled_for") is { ValueKind: JsonValueKind.String } at ? at.GetDateTimeOffset() : j.SubmittedAt)];
    }

    /// <summary>Polls until the schedule has started at least <paramref name="count"/> jobs.</summary>
    public static Task<List<JobRecord>> UntilJobsAsync(AppHost app, string scheduleId, int count, TimeSpan? timeout = null) =>
        Poll.UntilAsync(() => JobsAsync(app, scheduleId), jobs => jobs.Count >= count,
            jobs => $"The schedule started {jobs.Count} job(s), not {count}", timeout ?? TimeSpan.FromSeconds(30));

    /// <summary>Polls the schedule until <paramref name="condition"/> holds.</summary>
    public static Task<JsonElement> UntilAsync(AppHost app, string scheduleId, Func<JsonElement, bool> condition, string what, TimeSpan? timeout = null) =>
        Poll.UntilAsync(() => GetAsync(app, scheduleId), condition, s => $"The schedule never {what}: {s}", timeout ?? TimeSpan.FromSeconds(30));
}
