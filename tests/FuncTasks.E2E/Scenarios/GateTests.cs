using System.Net;
using System.Text.Json;
using FuncTasks.E2E.Infrastructure;
using FuncTasks.Testing;
using FuncTasks.Testing.Host;

namespace FuncTasks.E2E.Scenarios;

/// <summary>The concurrency gate under the host: the limit, its order, cancel while waiting, and the sweep's repairs.</summary>
[Collection(SharedAppCollection.Name)]
public sealed class GateTests(SharedApp shared) : IAsyncLifetime
{
    private FuncTasksApi Api => shared.Api;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (FunctionsHostLocator.Location is not null)
        {
            await Api.SetLimitAsync(5);
        }
    }

    [E2EFact]
    public async Task LimitOne_RunsJobsOneAtATime_InTheOrderTheyWereSubmitted()
    {
        await Api.SetLimitAsync(1);
        var task = await Api.CreateTaskAsync(new { command = "sleep 0.3" });
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await Api.ExecuteAsync(task.Str("id"))).Str("job_id"));
        }

        var jobs = await Api.WaitForJobsAsync(ids, TimeSpan.FromSeconds(90));

        Assert.All(jobs, j => Assert.Equal("completed", j.Str("status")));
        var byStart = jobs.OrderBy(j => j.Time("started_at")).Select(j => j.Str("id")).ToList();
        Assert.Equal(ids, byStart);
        for (var i = 1; i < jobs.Count; i++)
        {
            Assert.True(jobs[i].Time("started_at") >= jobs[i - 1].Time("finished_at"), $"job {i} started before job {i - 1} finished");
        }

        await AssertGateIdleAsync();
    }

    [E2EFact]
    public async Task BurstAtLimitThree_PeaksAtExactlyThree_AndLosesNone()
    {
        await Api.SetLimitAsync(3);
        var task = await Api.CreateTaskAsync(new { command = "sleep 1" });
        var ids = await Task.WhenAll(Enumerable.Range(0, 12).Select(async _ => (await Api.ExecuteAsync(task.Str("id"))).Str("job_id")));

        var jobs = await Api.WaitForJobsAsync(ids, TimeSpan.FromSeconds(120));

        Assert.All(jobs, j => Assert.Equal("completed", j.Str("status")));
        Assert.Equal(3, PeakRunning(jobs));
        await AssertGateIdleAsync();
    }

    [E2EFact]
    public async Task Cancel_WhileWaitingForAPermit_LeavesTheLine_AndNeverRuns()
    {
        await Api.SetLimitAsync(1);
        var holder = await Api.RunAsync(new { command = "sleep 300" });
        await Api.WaitForJobAsync(holder, TimeSpan.FromSeconds(30), "running");
        var waiter = await Api.RunAsync(new { command = "echo never" });
        await WaitAsync(async () => (await Api.GetAsync("api/v1/concurrency")).GetProperty("waiting").GetInt32() == 1, "the second job never joined the line");
        var waiting = await Api.GetJobAsync(waiter);
        Assert.Equal("pending", waiting.Str("status"));
        Assert.NotEqual(JsonValueKind.Null, waiting.GetProperty("permit_requested_at").ValueKind);
        Assert.Equal(JsonValueKind.Null, waiting.GetProperty("permit_granted_at").ValueKind);

        await Api.PostAsync($"api/v1/jobs/{waiter}/$cancel", null, HttpStatusCode.Accepted);
        var canceled = await Api.WaitForJobAsync(waiter, TimeSpan.FromSeconds(30));
        await Api.PostAsync($"api/v1/jobs/{holder}/$cancel", null, HttpStatusCode.Accepted);
        await Api.WaitForJobAsync(holder, TimeSpan.FromSeconds(30));

        Assert.Equal("canceled", canceled.Str("status"));
        Assert.Equal(JsonValueKind.Null, canceled.GetProperty("started_at").ValueKind);
        await AssertGateIdleAsync();
    }

    [E2EFact]
    public async Task PutConcurrency_OutOfRange_Is400_AndChangesNothing()
    {
        await Api.SetLimitAsync(4);

        await Api.PutAsync("api/v1/concurrency", new { limit = 0 }, HttpStatusCode.BadRequest);
        await Api.PutAsync("api/v1/concurrency", new { limit = 1001 }, HttpStatusCode.BadRequest);
        await Api.PutAsync("api/v1/concurrency", """{"limit": "2"}""", HttpStatusCode.BadRequest);

        Assert.Equal(4, (await Api.GetAsync("api/v1/concurrency")).GetProperty("limit").GetInt32());
    }

    [E2EFact]
    public async Task Sweep_ThroughTheAdminApi_FailsAJobWhoseOrchestrationWasTerminated_AndPassesItsPermitOn()
    {
        await Api.SetLimitAsync(1);
        var task = await Api.CreateTaskAsync(new { command = "sleep 20" });
        var accepted = await Api.ExecuteAsync(task.Str("id"));
        var lost = accepted.Str("job_id");
        await Api.WaitForJobAsync(lost, TimeSpan.FromSeconds(30), "running");
        var next = await Api.RunAsync(new { command = "echo next" });

        // Terminating an orchestration skips its own release of the permit: only the sweep can repair that.
        using (var terminate = await Api.Durable.PostAsync(new Uri(accepted.GetProperty("durable").Str("terminatePostUri").Replace("{text}", "e2e", StringComparison.Ordinal)), null))
        {
            Assert.Equal(HttpStatusCode.Accepted, terminate.StatusCode);
        }

        await WaitAsync(async () =>
        {
            using var status = await Api.Durable.GetAsync(new Uri(accepted.GetProperty("durable").Str("statusQueryGetUri")));
            return JsonDocument.Parse(await status.Content.ReadAsStringAsync()).RootElement.Str("runtimeStatus") == "Terminated";
        }, "the orchestration was not terminated");
        Assert.Equal("running", (await Api.GetJobAsync(lost)).Str("status"));
        Assert.Equal("pending", (await Api.GetJobAsync(next)).Str("status"));

        await Api.RunSweepAsync();

        var failed = await Api.WaitForJobAsync(lost, TimeSpan.FromSeconds(30));
        Assert.Equal("failed", failed.Str("status"));
        Assert.Equal("orchestration_lost", failed.GetProperty("error").Str("type"));
        Assert.Equal("completed", (await Api.WaitForJobAsync(next, TimeSpan.FromSeconds(30))).Str("status"));
        await AssertGateIdleAsync();
    }

    /// <summary>The most jobs running at one moment, from the records' start and finish times.</summary>
    internal static int PeakRunning(IEnumerable<JsonElement> jobs) => JobRecords.PeakRunning(jobs.Select(JobRecord.From));

    private async Task AssertGateIdleAsync() => await WaitAsync(async () =>
    {
        var gate = await Api.GetAsync("api/v1/concurrency");
        return gate.GetProperty("in_use").GetInt32() == 0 && gate.GetProperty("waiting").GetInt32() == 0;
    }, "the gate still holds permits after every job ended", TimeSpan.FromSeconds(10));

    private static async Task WaitAsync(Func<Task<bool>> condition, string failure, TimeSpan? timeout = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < (timeout ?? TimeSpan.FromSeconds(30)), failure);
            await Task.Delay(100);
        }
    }
}
