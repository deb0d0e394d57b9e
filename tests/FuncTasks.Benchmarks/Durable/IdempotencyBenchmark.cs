using System.Net;
using System.Text;
using FuncTasks.Benchmarks.Harness;
using FuncTasks.Testing;

namespace FuncTasks.Benchmarks.Durable;

/// <summary>
/// <c>idempotency</c>: the HTTP round trip of <c>$execute</c> (to its 202) with a fresh <c>Idempotency-Key</c> against
/// without one, on one app, the two interleaved round by round. What the key adds is a conditional insert before the
/// handler and a conditional replace after it; each job's orchestration is awaited outside the timing.
/// </summary>
internal sealed class IdempotencyBenchmark : IBenchmarkCommand
{
    /// <summary>The target: a keyed <c>$execute</c> costs at most 1.15x an unkeyed one (ratio of medians).</summary>
    public const double TargetRatio = 1.15;

    public const string Plain = "$execute, no key";
    public const string Keyed = "$execute, Idempotency-Key";

    public string Name => "idempotency";

    public string Summary => "$execute answered (202) with a fresh Idempotency-Key vs without, one app, durable engine on Azurite";

    public BenchmarkOptions Defaults => new() { WarmupRounds = 20, Rounds = 300, AllocationCalls = 0 };

    public BenchmarkOptions QuickDefaults => new() { WarmupRounds = 10, Rounds = 60, AllocationCalls = 0 };

    public string DefaultsSummary => "full: 20 warm-up + 300 rounds of 2 sides, about 2 min; --quick: 10 + 60";

    public async Task<int> RunAsync(BenchmarkContext context)
    {
        var (options, report, ct) = (context.Options, context.Report, context.CancellationToken);
        BenchmarkContext.Progress("starting Azurite (in memory, free ports)");
        await using var azurite = await AzuriteServer.StartAsync();
        await using var app = await BenchApp.StartAsync("app", azurite.ConnectionString, new Dictionary<string, string?>(), options.Activities ?? 10);
        var taskId = await app.CreateFunctionTaskAsync(BenchApp.Noop, null, ct);
        var last = new string[2];

        Operation[] sides =
        [
            new(Plain, async (_, token) => last[0] = await PostAsync(app, taskId, null, token)),
            new(Keyed, async (_, token) => last[1] = await PostAsync(app, taskId, Guid.NewGuid().ToString(), token)),
        ];

        // Each job runs to its end before the next call, outside the timing, so no call competes with the previous job's work.
        var result = await InterleavedRunner.RunAsync(Name, sides, options.WarmupRounds, options.Rounds, 0, ct,
            afterCall: async (side, token) => await app.WaitForOrchestrationAsync(last[side], token));
        report.Method = $"{options.WarmupRounds} warm-up + {options.Rounds} measured rounds; each round one call of each side, the order alternating (AB, BA); " +
                        "timed from sending POST $execute to reading its 202 body; the job's orchestration is awaited after each call, untimed";
        report.Add(result.Compare("keyed / plain", "$execute with a fresh Idempotency-Key vs without", Plain, Keyed, TargetRatio));
        report.Note("One app (FuncTasksTestApp: HTTP functions in-process, DurableTask.Core on the Azure Storage backend), gate on (the default), no-op function task; " +
                    "a fresh key (a UUID) each call, so every keyed call claims, runs and keeps (the path a first request takes; a replay is cheaper: one insert that fails and one read).");
        return 0;
    }

    private static async Task<string> PostAsync(BenchApp app, string taskId, string? key, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/tasks/{taskId}/$execute")
        {
            Content = new StringContent("{}", Encoding.UTF8, "application/json"),
        };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        using var response = await app.Client.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"$execute answered {(int)response.StatusCode}: {body}");
        }

        using var document = System.Text.Json.JsonDocument.Parse(body);
        return document.RootElement.GetProperty("job_id").GetString()!;
    }
}
