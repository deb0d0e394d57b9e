using System.Net;
using System.Text;
using System.Text.Json;
using FuncTasks.Benchmarks.Harness;
using FuncTasks.Hosting;
using FuncTasks.Testing;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace FuncTasks.Benchmarks.Durable;

/// <summary>
/// One instance of the app for a benchmark: <see cref="FuncTasksTestApp"/> with the durable engine on the run's
/// Azurite, tables and a task hub of its own, and two task functions of the benchmark's: <see cref="Noop"/> and
/// <see cref="Nap"/>. Everything goes through the app's HTTP API, as a client would.
/// </summary>
internal sealed class BenchApp : IAsyncDisposable
{
    /// <summary>Returns <c>{"ok": true}</c> at once.</summary>
    public const string Noop = "bench_noop";

    /// <summary>Sleeps <c>ms</c> milliseconds (cancelable), returns <c>{"slept_ms": ms}</c>.</summary>
    public const string Nap = "bench_nap";

    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(120);

    private BenchApp(string label, FuncTasksTestApp app, int maxConcurrentActivities)
    {
        Label = label;
        App = app;
        MaxConcurrentActivities = maxConcurrentActivities;
    }

    public string Label { get; }

    public FuncTasksTestApp App { get; }

    public int MaxConcurrentActivities { get; }

    public HttpClient Client => App.Client;

    public DurableTaskClient Durable => App.DurableClient;

    public string TaskHub => App.Durable!.TaskHubName;

    /// <param name="controlQueueVisibility">Null: the test host's default (10 s).</param>
    public static async Task<BenchApp> StartAsync(string label, string connectionString, IReadOnlyDictionary<string, string?> settings, int maxConcurrentActivities,
        Microsoft.Extensions.Logging.ILoggerFactory? durableLog = null, TimeSpan? controlQueueVisibility = null)
    {
        BenchmarkContext.Progress($"starting app '{label}' ({string.Join(", ", settings.Select(s => $"{s.Key}={s.Value}"))}; MaxConcurrentActivities {maxConcurrentActivities}" +
                                  $"{(controlQueueVisibility is { } v ? $"; control-queue visibility {v.TotalSeconds:0} s" : string.Empty)})");
        var app = await FuncTasksTestApp.StartAsync(new FuncTasksTestAppOptions
        {
            StorageConnectionString = connectionString,
            WithDurable = true,
            Settings = settings,
            MaxConcurrentActivities = maxConcurrentActivities,
            LoggerFactory = durableLog,
            ControlQueueVisibilityTimeout = controlQueueVisibility,
            ConfigureServices = services => services
                .AddTaskFunction(Noop, (Func<object>)(() => new { ok = true }), "Returns at once.")
                .AddTaskFunction(Nap, (Func<int, CancellationToken, Task<object>>)(async (ms, ct) =>
                {
                    await Task.Delay(ms, ct).ConfigureAwait(false);
                    return new { slept_ms = ms };
                }), "Sleeps ms milliseconds."),
        });
        return new BenchApp(label, app, maxConcurrentActivities);
    }

    /// <summary>Creates an enabled function task; its id.</summary>
    public async Task<string> CreateFunctionTaskAsync(string function, string? paramsJson, CancellationToken ct)
    {
        var json = $$"""{"command": "{{function}}", "task_type": "function", "enabled": true{{(paramsJson is null ? string.Empty : $", \"params\": {paramsJson}")}}}""";
        using var response = await Client.PostAsync("/api/v1/tasks", new StringContent(json, Encoding.UTF8, "application/json"), ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"{Label}: creating the task answered {(int)response.StatusCode}: {body}");
        }

        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("id").GetString()!;
    }

    /// <summary><c>POST /api/v1/tasks/{id}/$execute</c>; the job id (202 expected).</summary>
    public async Task<string> ExecuteAsync(string taskId, string bodyJson, CancellationToken ct)
    {
        using var content = new StringContent(bodyJson, Encoding.UTF8, "application/json");
        using var response = await Client.PostAsync($"/api/v1/tasks/{taskId}/$execute", content, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"{Label}: $execute answered {(int)response.StatusCode}: {body}");
        }

        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("job_id").GetString()!;
    }

    /// <summary>Waits on the job's orchestration with the durable client (it polls the instance every 25 ms); it must complete.</summary>
    public Task<OrchestrationMetadata> WaitForOrchestrationAsync(string instanceId, CancellationToken ct) =>
        WaitAsync(Durable, instanceId, Label, ct);

    public static async Task<OrchestrationMetadata> WaitAsync(DurableTaskClient client, string instanceId, string label, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(JobTimeout);
        OrchestrationMetadata metadata;
        try
        {
            metadata = await client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: false, timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"{label}: orchestration {instanceId} did not complete within {JobTimeout.TotalSeconds:0} s");
        }

        if (metadata.RuntimeStatus != OrchestrationRuntimeStatus.Completed)
        {
            throw new InvalidOperationException($"{label}: orchestration {instanceId} ended {metadata.RuntimeStatus}: {metadata.FailureDetails?.ErrorMessage}");
        }

        return metadata;
    }

    /// <summary><c>GET /api/v1/jobs/{id}</c>.</summary>
    public async Task<JobRecord> GetJobAsync(string jobId, CancellationToken ct)
    {
        using var response = await Client.GetAsync($"/api/v1/jobs/{jobId}", ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"{Label}: GET job {jobId} answered {(int)response.StatusCode}: {body}");
        }

        using var document = JsonDocument.Parse(body);
        return JobRecord.From(document.RootElement);
    }

    /// <summary>Reads the records of these jobs (a few at a time) and checks each completed with a result artifact.</summary>
    public async Task<Dictionary<string, JobRecord>> ConfirmCompletedAsync(IReadOnlyCollection<string> jobIds, CancellationToken ct)
    {
        var records = new Dictionary<string, JobRecord>(StringComparer.Ordinal);
        foreach (var chunk in jobIds.Chunk(16))
        {
            foreach (var job in await Task.WhenAll(chunk.Select(id => GetJobAsync(id, ct))))
            {
                if (job.Status != "completed" || job.ArtifactId is null || job.StartedAt is null || job.FinishedAt is null)
                {
                    throw new InvalidOperationException($"{Label}: job {job.Id} is {job.Status} (artifact {job.ArtifactId ?? "none"}), not completed with an artifact");
                }

                records[job.Id] = job;
            }
        }

        return records;
    }

    /// <summary>Every job the app has (<c>GET /api/v1/jobs</c>, all pages of 100).</summary>
    public async Task<List<JobRecord>> ListJobsAsync(CancellationToken ct)
    {
        var jobs = new List<JobRecord>();
        string? cursor = null;
        do
        {
            var path = "/api/v1/jobs?limit=100" + (cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor));
            using var response = await Client.GetAsync(path, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"{Label}: GET {path} answered {(int)response.StatusCode}: {body}");
            }

            using var page = JsonDocument.Parse(body);
            jobs.AddRange(page.RootElement.GetProperty("items").EnumerateArray().Select(JobRecord.From));
            cursor = page.RootElement.GetProperty("next_cursor").ValueKind == JsonValueKind.String ? page.RootElement.GetProperty("next_cursor").GetString() : null;
        }
        while (cursor is not null);

        return jobs;
    }

    /// <summary>How many jobs are pending or running (the app's own scan of its job table).</summary>
    public async Task<int> CountUnfinishedAsync(CancellationToken ct)
    {
        var count = 0;
        await foreach (var _ in App.Services.GetRequiredService<FuncTasks.Jobs.JobStore>().ScanUnfinishedAsync(ct))
        {
            count++;
        }

        return count;
    }

    /// <summary>Polls <see cref="CountUnfinishedAsync"/> until it is 0; fails after <paramref name="timeout"/>.</summary>
    public async Task WaitUntilAllFinishedAsync(TimeSpan poll, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        var lastReport = DateTime.UtcNow;
        while (true)
        {
            var left = await CountUnfinishedAsync(ct);
            if (left == 0)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Label}: {left} jobs still pending or running after {timeout.TotalSeconds:0} s");
            }

            if (DateTime.UtcNow - lastReport > TimeSpan.FromSeconds(10))
            {
                BenchmarkContext.Progress($"{Label}: {left} jobs pending or running, load avg {MachineInfo.LoadAverage()}");
                lastReport = DateTime.UtcNow;
            }

            await Task.Delay(poll, ct);
        }
    }

    /// <summary>Stops the app and deletes its tables and container.</summary>
    public ValueTask DisposeAsync() => App.DisposeAsync();
}
