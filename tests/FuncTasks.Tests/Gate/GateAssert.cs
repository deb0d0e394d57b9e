using System.Net;
using System.Text.Json;
using FuncTasks.Hosting;
using FuncTasks.Testing;
using FuncTasks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FuncTasks.Tests.Gate;

/// <summary>The gate as <c>GET /api/v1/concurrency</c> shows it.</summary>
public sealed record GateView(int Limit, int InUse, int Waiting, IReadOnlyList<string> Holders)
{
    public static GateView From(JsonElement body) => new(
        body.GetProperty("limit").GetInt32(),
        body.GetProperty("in_use").GetInt32(),
        body.GetProperty("waiting").GetInt32(),
        [.. body.GetProperty("holders").EnumerateArray().Select(h => h.GetString()!)]);

    public override string ToString() => $"limit {Limit}, in_use {InUse}, waiting {Waiting}, holders [{string.Join(", ", Holders)}]";
}

/// <summary>Task functions the gate and sweep tests register.</summary>
public static class GateTestFunctions
{
    /// <summary>Sleeps <c>ms</c> milliseconds, honouring its cancellation token; returns the instance that ran it.</summary>
    public const string Nap = "gate_nap";

    /// <summary>Throws an InvalidOperationException with <c>message</c>.</summary>
    public const string Boom = "gate_boom";

    /// <summary>Runs until the test opens the latch named <c>latch</c> (<see cref="Open"/>), honouring its cancellation token.</summary>
    public const string Hold = "gate_hold";

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> Latches = new(StringComparer.Ordinal);

    /// <summary>A latch name no other test uses.</summary>
    public static string NewLatch() => Guid.NewGuid().ToString("N");

    /// <summary>Lets every job holding on <paramref name="latch"/> finish (and those that start later go straight through).</summary>
    public static void Open(string latch) => Latch(latch).TrySetResult();

    private static TaskCompletionSource Latch(string name) =>
        Latches.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public static void Register(IServiceCollection services) => Register(services, null);

    public static void Register(IServiceCollection services, string? instance)
    {
        services.AddTaskFunction(Nap, (Func<int, CancellationToken, Task<object>>)(async (ms, ct) =>
        {
            await Task.Delay(ms, ct).ConfigureAwait(false);
            return new { slept_ms = ms, instance };
        }), "Sleeps ms milliseconds (cancelable); returns the app instance that ran it.");
        services.AddTaskFunction(Boom, (Func<string, object>)(message => throw new InvalidOperationException(message)), "Throws.");
        services.AddTaskFunction(Hold, (Func<string, CancellationToken, Task<object>>)(async (latch, ct) =>
        {
            await Latch(latch).Task.WaitAsync(ct).ConfigureAwait(false);
            return new { latch, instance };
        }), "Runs until the test opens the latch.");
    }
}

/// <summary>Reading and asserting the gate and the jobs over the HTTP API.</summary>
public static class GateAssert
{
    /// <summary>
    /// Waits (up to <paramref name="timeout"/>, default 30 s) until the gate shows 0 in use and 0 waiting and no job
    /// is pending or running; fails with what it saw last.
    /// </summary>
    public static async Task DrainedAsync(AppHost app, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        await Poll.UntilAsync(
            async () => (Gate: await GetAsync(app), Pending: await ListJobsAsync(app, "status=pending"), Running: await ListJobsAsync(app, "status=running")),
            seen => seen is { Gate: { InUse: 0, Waiting: 0 }, Pending.Count: 0, Running.Count: 0 },
            seen => $"Not drained after {(timeout ?? Poll.DefaultTimeout).TotalSeconds:0} s: gate {seen.Gate}; " +
                    $"pending: [{string.Join("; ", seen.Pending)}]; running: [{string.Join("; ", seen.Running)}]",
            timeout,
            TimeSpan.FromMilliseconds(200));
    }

    public static async Task<GateView> GetAsync(AppHost app)
    {
        ArgumentNullException.ThrowIfNull(app);
        using var response = await app.GetAsync("/api/v1/concurrency");
        var body = await Json.ReadAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET concurrency: {(int)response.StatusCode} {body}");
        return GateView.From(body);
    }

    public static async Task<GateView> SetLimitAsync(AppHost app, int limit)
    {
        ArgumentNullException.ThrowIfNull(app);
        using var response = await app.PutAsync("/api/v1/concurrency", $$"""{"limit": {{limit}}}""");
        var body = await Json.ReadAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"PUT concurrency: {(int)response.StatusCode} {body}");
        var view = GateView.From(body);
        Assert.Equal(limit, view.Limit);
        return view;
    }

    /// <summary>Every job the list answers for this query (all pages), newest first.</summary>
    public static async Task<List<JobRecord>> ListJobsAsync(AppHost app, string? query = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        var jobs = new List<JobRecord>();
        string? cursor = null;
        do
        {
            var path = $"/api/v1/jobs?limit=100{(query is null ? string.Empty : "&" + query)}{(cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor))}";
            using var response = await app.GetAsync(path);
            var page = await Json.ReadAsync(response);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {page}");
            jobs.AddRange(page.GetProperty("items").EnumerateArray().Select(JobRecord.From));
            cursor = page.GetProperty("next_cursor").ValueKind == JsonValueKind.String ? page.GetProperty("next_cursor").GetString() : null;
        }
        while (cursor is not null);

        return jobs;
    }

    public static async Task<JobRecord> GetJobAsync(AppHost app, string jobId)
    {
        ArgumentNullException.ThrowIfNull(app);
        using var response = await app.GetAsync($"/api/v1/jobs/{jobId}");
        var body = await Json.ReadAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET job {jobId}: {(int)response.StatusCode} {body}");
        return JobRecord.From(body);
    }

    /// <summary>Waits until every one of <paramref name="jobIds"/> has finished (reading the list, not job by job); returns them.</summary>
    public static async Task<List<JobRecord>> AllFinishedAsync(AppHost app, IReadOnlyCollection<string> jobIds, TimeSpan timeout)
    {
        var (records, finished) = await Poll.ReadAsync(
            async () =>
            {
                var byId = (await ListJobsAsync(app)).ToDictionary(j => j.Id);
                var missing = jobIds.Where(id => !byId.ContainsKey(id)).ToList();
                Assert.True(missing.Count == 0, $"jobs disappeared: {string.Join(", ", missing)}");
                return jobIds.Select(id => byId[id]).ToList();
            },
            records => records.All(j => j.IsFinished),
            timeout,
            TimeSpan.FromMilliseconds(500));
        return finished ? records : throw new TimeoutException(
            $"{records.Count(j => !j.IsFinished)} of {records.Count} jobs not finished after {timeout.TotalSeconds:0} s: " +
            string.Join("; ", records.Where(j => !j.IsFinished).Take(10)) + $"; gate {await GetAsync(app)}");
    }

    /// <summary>The most jobs running at one instant (see <see cref="JobRecords.PeakRunning"/>).</summary>
    public static int MaxOverlap(IEnumerable<JobRecord> jobs) => JobRecords.PeakRunning(jobs);

    /// <summary>Waits until the gate matches <paramref name="condition"/>; fails with the gate as last seen.</summary>
    public static async Task<GateView> UntilGateAsync(AppHost app, Func<GateView, bool> condition, string what, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return await Poll.UntilAsync(() => GetAsync(app), condition, gate => $"Timed out waiting for {what}; the gate shows {gate}.", timeout);
    }
}

/// <summary>The heavy durable tests (load, scale-out, worker restart): run one at a time so they do not starve each other.</summary>
[CollectionDefinition(Name)]
public sealed class DurableHeavyTests
{
    public const string Name = "Durable heavy";
}
