using System.Diagnostics;
using System.Globalization;
using FuncTasks.Api;
using FuncTasks.Artifacts;
using FuncTasks.Benchmarks.Harness;
using FuncTasks.Jobs;
using FuncTasks.Maintenance;
using FuncTasks.Tasks;
using FuncTasks.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FuncTasks.Benchmarks.Durable;

/// <summary>
/// <c>retention</c>: a backlog of old jobs (some with real orchestration histories, the rest records) and old artifacts
/// (rows and blobs, some with children), drained by the whole sweep (<see cref="OrphanSweeper.SweepAsync"/>) run again
/// and again with its clock 31 days on; each run's duration and what it removed.
/// </summary>
internal sealed class RetentionBenchmark : IBenchmarkCommand
{
    public string Name => "retention";

    public string Summary => "the sweep draining 5,000 old jobs and 5,000 old artifacts in batches of 1,000, per-run duration, durable engine on Azurite";

    public BenchmarkOptions Defaults => new() { WarmupRounds = 0, Rounds = 5000, AllocationCalls = 0 };

    public BenchmarkOptions QuickDefaults => new() { WarmupRounds = 0, Rounds = 1000, AllocationCalls = 0 };

    public string DefaultsSummary => "full: 5,000 jobs (300 real) + 5,000 artifacts, about 3 min; --quick: 1,000 + 1,000 (100 real)";

    public async Task<int> RunAsync(BenchmarkContext context)
    {
        var (options, report, ct) = (context.Options, context.Report, context.CancellationToken);
        var backlog = options.Rounds;
        var real = options.Quick ? 100 : 300;
        BenchmarkContext.Progress("starting Azurite (in memory, free ports)");
        await using var azurite = await AzuriteServer.StartAsync();
        await using var app = await BenchApp.StartAsync("app", azurite.ConnectionString,
            new Dictionary<string, string?> { ["FuncTasks:Concurrency:Enabled"] = "false", ["FuncTasks:Retention:BatchSize"] = "1000" }, options.Activities ?? 10);
        var services = app.App.Services;
        var now = DateTimeOffset.UtcNow;

        // Real jobs: $execute, run, orchestration history and a result artifact each.
        BenchmarkContext.Progress($"running {real} real jobs");
        var taskId = await app.CreateFunctionTaskAsync(BenchApp.Noop, null, ct);
        var ids = new List<string>();
        foreach (var chunk in Enumerable.Range(0, real).Chunk(20))
        {
            var started = await Task.WhenAll(chunk.Select(_ => app.ExecuteAsync(taskId, "{}", ct)));
            await Task.WhenAll(started.Select(id => app.WaitForOrchestrationAsync(id, ct)));
            ids.AddRange(started);
        }

        BenchmarkContext.Progress($"seeding {backlog - real} more finished job records and {backlog - real} artifacts (a fifth of them children) 40 days old");
        var ancient = new FakeTimeProvider(now.AddDays(-40));
        var jobs = services.GetRequiredService<JobStore>();
        await Parallel.ForEachAsync(Enumerable.Range(0, backlog - real), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (_, token) =>
            await jobs.CreateAsync(new Job(UlidIds.New(ancient), taskId, TaskType.Function, BenchApp.Noop, null, JobStatus.Completed,
                ancient.GetUtcNow(), ancient.GetUtcNow(), ancient.GetUtcNow(), null, null, null, null), token));
        var artifacts = new ArtifactStore(app.App.Storage, ancient);
        var parents = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, backlog - real), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (i, token) =>
        {
            string? parent = i % 5 == 4 && parents.TryPeek(out var p) ? p : null;
            var saved = await artifacts.SaveAsync(new { i, text = new string('x', 200) }, parent, token);
            parents.Add(saved.Id);
        });

        // First each kind on its own (where the time goes), then the whole sweep over what is left of neither.
        var later = now.AddDays(31);
        foreach (var (kind, settings) in new[]
        {
            ("jobs only", new RetentionOptions { JobDays = 30, ArtifactDays = 0, BatchSize = 1000 }),
            ("artifacts only", new RetentionOptions { JobDays = 0, ArtifactDays = 30, BatchSize = 1000 }),
        })
        {
            var part = new RetentionSweep(jobs, services.GetRequiredService<FuncTasks.Output.JobOutputStore>(), services.GetRequiredService<ArtifactStore>(), services.GetRequiredService<FuncTasks.Idempotency.IdempotencyStore>(),
                Microsoft.Extensions.Options.Options.Create(settings));
            var partTable = new ReportTable($"Retention, {kind}, batch size 1000, clock 31 days on", "run", "jobs removed", "artifacts removed", "more due", "run ms");
            for (var run = 1; run <= 20; run++)
            {
                var watch = Stopwatch.StartNew();
                var r = await part.RunAsync(app.Durable, later, ct);
                partTable.Row(run.ToString(CultureInfo.InvariantCulture), r.JobsRemoved.ToString(CultureInfo.InvariantCulture),
                    r.ArtifactsRemoved.ToString(CultureInfo.InvariantCulture), r.BacklogLeft ? "yes" : "no", watch.Elapsed.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture));
                BenchmarkContext.Progress($"{kind} run {run}: {r} in {watch.Elapsed.TotalMilliseconds:0} ms");
                if (!r.BacklogLeft)
                {
                    break;
                }
            }

            report.AddTable(partTable);
            if (kind == "jobs only")
            {
                // Seed the jobs again so the whole sweep below has both kinds to drain.
                await Parallel.ForEachAsync(Enumerable.Range(0, backlog), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (_, token) =>
                    await jobs.CreateAsync(new Job(UlidIds.New(ancient), taskId, TaskType.Function, BenchApp.Noop, null, JobStatus.Completed,
                        ancient.GetUtcNow(), ancient.GetUtcNow(), ancient.GetUtcNow(), null, null, null, null), token));
            }
        }

        var leftJobs = (await app.ListJobsAsync(ct)).Count;
        var history = 0;
        foreach (var id in ids)
        {
            history += await app.Durable.GetInstanceAsync(id, ct) is null ? 0 : 1;
        }

        report.Method = "seed, run the retention of jobs alone until drained, re-seed the jobs (records only), run the retention of artifacts alone until drained; each run timed";
        report.Note($"Left afterwards: {leftJobs} job records (the re-seeded ones), {history} of {real} orchestration histories. The sweep runs every 5 minutes (FuncTasksSweepSchedule).");
        return 0;
    }
}
