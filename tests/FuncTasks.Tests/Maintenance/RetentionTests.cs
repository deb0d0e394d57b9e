using System.Net;
using System.Text.Json;
using FuncTasks.Api;
using FuncTasks.Artifacts;
using FuncTasks.Idempotency;
using FuncTasks.Jobs;
using FuncTasks.Maintenance;
using FuncTasks.Tasks;
using FuncTasks.Tests.Gate;
using FuncTasks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace FuncTasks.Tests.Maintenance;

/// <summary>Retention in the sweep, on Azurite and the durable engine, with the sweep's clock moved forward by days.</summary>
public sealed class RetentionTests(ITestOutputHelper output) : AppTests(
    settings: new Dictionary<string, string?> { ["FuncTasks:Retention:BatchSize"] = "100" },
    configureServices: GateTestFunctions.Register,
    withDurable: true)
{
    [Fact]
    public async Task FinishedJobsPastJobDays_GoWithTheirHistory_PendingRunningAndNewerOnesStay()
    {
        var completed = await JobWaits.ExecuteAsync(App, """{"command": "greet_user"}""");
        var failed = await JobWaits.ExecuteAsync(App, """{"command": "exit 3"}""");
        var canceled = await JobWaits.ExecuteAsync(App, """{"command": "greet_user"}""", """{"delay_seconds": 3600}""");
        using (var cancel = await App.PostAsync($"/api/v1/jobs/{canceled}/$cancel"))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }

        var finished = new[] { completed, failed, canceled };
        foreach (var id in finished)
        {
            await JobWaits.UntilAsync(App, id);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await App.DurableClient.WaitForInstanceCompletionAsync(id, wait.Token);
        }

        var running = await JobWaits.ExecuteAsync(App, $$"""{"command": "{{GateTestFunctions.Nap}}", "params": {"ms": 60000} }""");
        await JobWaits.UntilAsync(App, running, null, "running");
        var pending = await JobWaits.ExecuteAsync(App, """{"command": "greet_user"}""", """{"delay_seconds": 3600}""");

        // 0 keeps everything, however old.
        var keepAll = new RetentionSweep(Service<JobStore>(), Service<FuncTasks.Output.JobOutputStore>(), Service<ArtifactStore>(), Service<IdempotencyStore>(),
            Microsoft.Extensions.Options.Options.Create(new RetentionOptions { JobDays = 0, ArtifactDays = 0 }));
        Assert.Equal(0, (await keepAll.RunAsync(App.DurableClient, DateTimeOffset.UtcNow.AddYears(10), CancellationToken.None)).JobsRemoved);

        // 29 days on, nothing is old enough; 31 days on, the finished ones go, history and all.
        Assert.Equal(0, (await SweepAtAsync(DateTimeOffset.UtcNow.AddDays(29))).Retention.JobsRemoved);
        var sweep = await SweepAtAsync(DateTimeOffset.UtcNow.AddDays(31));
        output.WriteLine($"sweep: {JsonSerializer.Serialize(sweep)}");
        Assert.Equal(3, sweep.Retention.JobsRemoved);
        foreach (var id in finished)
        {
            using var get = await App.GetAsync($"/api/v1/jobs/{id}");
            Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
            Assert.Null(await App.DurableClient.GetInstanceAsync(id));
        }

        Assert.Equal("running", (await GateAssert.GetJobAsync(App, running)).Status);
        Assert.Equal("pending", (await GateAssert.GetJobAsync(App, pending)).Status);
        Assert.NotNull(await App.DurableClient.GetInstanceAsync(running));
        Assert.NotNull(await App.DurableClient.GetInstanceAsync(pending));
        Assert.Equal(0, (await SweepAtAsync(DateTimeOffset.UtcNow.AddDays(31))).Retention.JobsRemoved);

        foreach (var id in new[] { running, pending })
        {
            using var cancel = await App.PostAsync($"/api/v1/jobs/{id}/$cancel");
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }

        await GateAssert.DrainedAsync(App);
    }

    [Fact]
    public async Task ArtifactsPastArtifactDays_GoWithTheirBlobsAndChildren_NewerOnesStay()
    {
        var now = DateTimeOffset.UtcNow;
        var old = new ArtifactStore(App.Storage, new FakeTimeProvider(now.AddDays(-40)));
        var recent = new ArtifactStore(App.Storage, new FakeTimeProvider(now.AddDays(-10)));
        var parent = await old.SaveAsync(new { part = "parent" });
        var child = await recent.SaveAsync(new { part = "child, newer than its parent" }, parent.Id);
        var grandchild = await Service<ArtifactStore>().SaveAsync(new { part = "grandchild" }, child.Id);
        var kept = await recent.SaveAsync(new { part = "ten days old" });
        var keptChild = await Service<ArtifactStore>().SaveAsync(new { part = "its child" }, kept.Id);

        var keepAll = new RetentionSweep(Service<JobStore>(), Service<FuncTasks.Output.JobOutputStore>(), Service<ArtifactStore>(), Service<IdempotencyStore>(),
            Microsoft.Extensions.Options.Options.Create(new RetentionOptions { JobDays = 0, ArtifactDays = 0 }));
        Assert.Equal(0, (await keepAll.RunAsync(App.DurableClient, now.AddYears(10), CancellationToken.None)).ArtifactsRemoved);

        var sweep = await SweepAtAsync(now);
        Assert.Equal(3, sweep.Retention.ArtifactsRemoved);
        foreach (var gone in new[] { parent, child, grandchild })
        {
            using var get = await App.GetAsync($"/api/v1/artifacts/{gone.Id}");
            Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
            Assert.False((await App.Storage.Artifacts.GetBlobClient(gone.Id).ExistsAsync()).Value);
        }

        foreach (var stays in new[] { kept, keptChild })
        {
            Assert.Equal(stays.Id, (await JobWaits.ArtifactAsync(App, stays.Id)).GetProperty("id").GetString());
            Assert.True((await App.Storage.Artifacts.GetBlobClient(stays.Id).ExistsAsync()).Value);
        }
    }

    [Fact]
    public async Task ABacklog_DrainsInBatchesOverSeveralRuns_ExpiredKeysToo()
    {
        const int Backlog = 250; // batch size 100 (the class's settings)
        var now = DateTimeOffset.UtcNow;
        var jobs = Service<JobStore>();
        var ancient = new FakeTimeProvider(now.AddDays(-40));
        var oldJobs = Enumerable.Range(0, Backlog).Select(_ => FinishedJob(ancient, now.AddDays(-40))).ToList();
        var newer = FinishedJob(ancient, now.AddDays(-1)); // submitted long ago, finished yesterday
        var stillPending = FinishedJob(ancient, null);
        await Parallel.ForEachAsync(oldJobs.Append(newer).Append(stillPending), async (job, ct) => await jobs.CreateAsync(job, ct));
        var artifacts = new ArtifactStore(App.Storage, ancient);
        await Parallel.ForEachAsync(Enumerable.Range(0, Backlog), async (i, ct) => await artifacts.SaveAsync(new { i }, cancellationToken: ct));

        var keys = new IdempotencyStore(App.Storage, new FakeTimeProvider(now.AddHours(-25)), Service<IOptions<ApiOptions>>());
        foreach (var key in new[] { "aa", "bb" })
        {
            var claim = (await keys.ClaimAsync(key, "f", CancellationToken.None)).Claim!;
            Assert.True(await keys.KeepAsync(claim, new KeptAnswer(202, new Dictionary<string, string>(), new byte[] { 1 }), CancellationToken.None));
        }

        var live = (await Service<IdempotencyStore>().ClaimAsync("cc", "f", CancellationToken.None)).Claim;
        Assert.NotNull(live);

        var retention = Service<RetentionSweep>();
        var runs = new List<RetentionResult>();
        for (var run = 0; run < 4; run++)
        {
            runs.Add(await retention.RunAsync(App.DurableClient, now, CancellationToken.None));
        }

        output.WriteLine(string.Join("; ", runs));
        Assert.Equal([100, 100, 50, 0], runs.Select(r => r.JobsRemoved));
        Assert.Equal([100, 100, 50, 0], runs.Select(r => r.ArtifactsRemoved));
        Assert.Equal([2, 0, 0, 0], runs.Select(r => r.IdempotencyKeysRemoved));
        Assert.Equal([true, true, false, false], runs.Select(r => r.BacklogLeft));
        Assert.NotNull(await jobs.GetAsync(newer.Id, CancellationToken.None));
        Assert.Equal(JobStatus.Pending, (await jobs.GetAsync(stillPending.Id, CancellationToken.None))!.Status);
        // The live claim stays: another request on it is still refused.
        var reused = await Assert.ThrowsAsync<RefusalException>(() => Service<IdempotencyStore>().ClaimAsync("cc", "other", CancellationToken.None));
        Assert.Equal("idempotency-key-reused", reused.Slug);
    }

    private static Job FinishedJob(TimeProvider submitted, DateTimeOffset? finishedAt) =>
        new(UlidIds.New(submitted), UlidIds.New(submitted), TaskType.Function, "greet_user", null,
            finishedAt is null ? JobStatus.Pending : JobStatus.Completed, submitted.GetUtcNow(), null, finishedAt, null, null, null, null);

    private T Service<T>()
        where T : notnull => App.Services.GetRequiredService<T>();

    private async Task<SweepSummary> SweepAtAsync(DateTimeOffset now)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var sweeper = ActivatorUtilities.CreateInstance<OrphanSweeper>(App.Services, new FakeTimeProvider(now));
        return await sweeper.SweepAsync(App.DurableClient, timeout.Token);
    }
}
