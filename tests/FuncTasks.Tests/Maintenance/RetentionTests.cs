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
            Microsoft.Extensions.Options.Options.Create(new RetentionOptions { JobDays = 0, ArtifactDays = 0 }), TimeProvider.System);
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
            Microsoft.Extensions.Options.Options.Create(new RetentionOptions { JobDays = 0, ArtifactDays = 0 }), TimeProvider.System);
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

    [Fact]
    public async Task ARunOutOfTime_StopsAfterAChunk_ChildrenGoBeforeTheirParent_TheNextRunGoesOn()
    {
        var now = DateTimeOffset.UtcNow;
        var jobs = Service<JobStore>();
        var ancient = new FakeTimeProvider(now.AddDays(-40));
        var oldJobs = Enumerable.Range(0, 130).Select(_ => FinishedJob(ancient, now.AddDays(-40))).ToList();
        await Parallel.ForEachAsync(oldJobs, async (job, ct) => await jobs.CreateAsync(job, ct));
        var parent = await new ArtifactStore(App.Storage, ancient).SaveAsync(new { part = "parent" });
        var recent = Service<ArtifactStore>();
        var children = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 150), async (i, ct) => children.Add((await recent.SaveAsync(new { i }, parent.Id, ct)).Id));

        // Every read of this clock is a minute on: each part's time is up after its first chunk of 100.
        var hurried = new RetentionSweep(jobs, Service<FuncTasks.Output.JobOutputStore>(), Service<ArtifactStore>(), Service<IdempotencyStore>(),
            Microsoft.Extensions.Options.Options.Create(new RetentionOptions { BatchSize = 1000, RunSeconds = 30 }), new SteppingClock(TimeSpan.FromMinutes(1)));
        var first = await hurried.RunAsync(App.DurableClient, now, CancellationToken.None);
        output.WriteLine($"first: {first}");
        Assert.Equal(new RetentionResult(100, 100, 0, true), first);

        // The parent stays with the children not removed yet, each with its blob; the removed ones have neither.
        Assert.NotNull(await recent.GetAsync(parent.Id, includeData: false, CancellationToken.None));
        var left = new List<string>();
        foreach (var id in children)
        {
            var row = await recent.GetAsync(id, includeData: false, CancellationToken.None);
            var blob = (await App.Storage.Artifacts.GetBlobClient(id).ExistsAsync()).Value;
            Assert.Equal(row is not null, blob);
            if (row is not null)
            {
                left.Add(id);
            }
        }

        Assert.Equal(50, left.Count);
        Assert.Equal(30, (await Task.WhenAll(oldJobs.Select(job => jobs.GetAsync(job.Id, CancellationToken.None)))).Count(job => job is not null));

        var second = await hurried.RunAsync(App.DurableClient, now, CancellationToken.None);
        Assert.Equal(new RetentionResult(30, 51, 0, false), second);
        Assert.Null(await recent.GetAsync(parent.Id, includeData: false, CancellationToken.None));
        Assert.Equal(new RetentionResult(0, 0, 0, false), await hurried.RunAsync(App.DurableClient, now, CancellationToken.None));
    }

    [Fact]
    public async Task TableDeletes_ARowGoneMeanwhile_TheOthersStillGo()
    {
        var table = App.Storage.ArtifactIndex;
        const string Partition = "table-deletes-test";
        var keys = new[] { "a", "b", "c" };
        foreach (var key in keys)
        {
            await table.AddEntityAsync(new Azure.Data.Tables.TableEntity(Partition, key));
        }

        await table.DeleteEntityAsync(Partition, "b");
        Assert.Equal(2, await FuncTasks.Storage.TableDeletes.DeleteAsync(table, Partition, keys, CancellationToken.None));
        await foreach (var row in table.QueryAsync<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == Partition))
        {
            Assert.Fail($"row {row.RowKey} is still there");
        }
        Assert.Equal(0, await FuncTasks.Storage.TableDeletes.DeleteAsync(table, Partition, keys, CancellationToken.None));
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

    /// <summary>A clock whose every reading is <paramref name="step"/> later than the one before.</summary>
    private sealed class SteppingClock(TimeSpan step) : TimeProvider
    {
        private long ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Add(ref ticks, step.Ticks);
    }
}
