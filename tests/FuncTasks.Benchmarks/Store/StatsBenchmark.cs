using Azure.Data.Tables;
using Azure.Storage.Blobs;
using FuncTasks.Benchmarks.Harness;
using FuncTasks.Jobs;
using FuncTasks.Storage;
using FuncTasks.Tasks;
using FuncTasks.Testing;
using Microsoft.Extensions.Time.Testing;
using NUlid;

namespace FuncTasks.Benchmarks.Store;

/// <summary>
/// <c>stats</c>: <see cref="JobStatistics.ComputeAsync"/> for the last hour (what <c>GET /api/v1/jobs/$stats</c> runs)
/// on a store whose only jobs are the hour's, against the same on stores that also hold 100,000 older jobs: spread
/// over 30 days (the retention default), and packed into the last two days (so the day of margin the query reads for
/// schedules' catch-up fires holds 50,000 of them). Same window, same 300 jobs in it, one Azurite.
/// </summary>
internal sealed class StatsBenchmark : IBenchmarkCommand
{
    /// <summary>The claim: the statistics read the window asked for, not the history (ratio of medians, 30-day store).</summary>
    public const double TargetRatio = 1.5;

    public const int WindowJobs = 300;

    private static int sink;

    public string Name => "stats";

    public string Summary => "$stats for the last hour on a store of the hour's 300 jobs vs on stores with 100,000 older jobs (over 30 days; over 2 days), on Azurite";

    public BenchmarkOptions Defaults => new() { WarmupRounds = 10, Rounds = 100, AllocationCalls = 0, Jobs = 100_000 };

    public BenchmarkOptions QuickDefaults => new() { Quick = true, WarmupRounds = 5, Rounds = 30, AllocationCalls = 0, Jobs = 10_000 };

    public string DefaultsSummary => "full: 100,000 older jobs per store, 100 rounds, about 65 min on 2 cores (all but seconds of it seeding); --quick: 10,000, 30 rounds";

    public async Task<int> RunAsync(BenchmarkContext context)
    {
        var (options, report, ct) = (context.Options, context.Report, context.CancellationToken);
        var history = options.Jobs ?? Defaults.Jobs!.Value;
        BenchmarkContext.Progress("starting Azurite (in memory, free ports)");
        await using var azurite = await AzuriteServer.StartAsync();

        // The statistics' clock stands still at the start: seeding 100,000 rows into Azurite takes longer than the
        // window (about 30 min a store on 2 cores, each insert costing in proportion to the rows stored), and a sliding
        // window would lose the hour's jobs on the way.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var now = clock.GetUtcNow();

        // The hour's jobs, the same in every store: submitted in the 50 minutes before the clock's time, most of them
        // ended a few seconds later.
        var window = Enumerable.Range(0, WindowJobs).Select(i => Record(now.AddMinutes(-50).AddSeconds(i * 9.0), i)).ToList();
        var only = await SeedAsync(azurite.ConnectionString, "statsonly", window, ct);
        var spread = await SeedAsync(azurite.ConnectionString, "statsmonth",
            window.Concat(Enumerable.Range(0, history).Select(i => Record(now.AddMinutes(-61) - (TimeSpan.FromDays(30) * i / history), i))), ct);
        var packed = await SeedAsync(azurite.ConnectionString, "statsdays",
            window.Concat(Enumerable.Range(0, history).Select(i => Record(now.AddMinutes(-61) - (TimeSpan.FromDays(2) * i / history), i))), ct);

        var statistics = new[] { only, spread, packed }.Select(s => new JobStatistics(new JobStore(s), clock)).ToArray();
        foreach (var stats in statistics)
        {
            var answer = await stats.ComputeAsync(null, ct);
            var total = answer.Counts.Pending + answer.Counts.Running + answer.Counts.Completed + answer.Counts.Failed + answer.Counts.Canceled;
            if (total != WindowJobs)
            {
                throw new InvalidOperationException($"a store's last hour holds {total} jobs, not {WindowJobs}");
            }
        }

        report.Add(await ComparisonRunner.RunAsync(Compare("30 days", $"{history:N0} older jobs over 30 days", statistics[0], statistics[1], TargetRatio), options, ct));
        report.Add(await ComparisonRunner.RunAsync(Compare("2 days", $"{history:N0} older jobs over 2 days", statistics[0], statistics[2], double.NaN), options, ct));
        report.Note($"Each store holds the same {WindowJobs} jobs in the last hour; the baseline store holds nothing else.");
        report.Note("The query reads the RowKey range from now back to since minus a day and a minute (a schedule's catch-up fire carries its occurrence's id), filtered on SubmittedAt by Table storage, four columns returned.");
        BenchmarkContext.Progress($"checksum {sink} (keeps the answers from being optimized away)");
        BenchmarkContext.Progress("stopping Azurite");
        return 0;
    }

    private static Comparison Compare(string name, string description, JobStatistics baseline, JobStatistics candidate, double target) => new(
        name,
        $"$stats of the last hour: {WindowJobs} jobs only vs {description} besides",
        new Operation($"{WindowJobs} jobs only", async (_, ct) => sink += (await baseline.ComputeAsync(null, ct)).PerMinute.Count),
        new Operation($"+ {description}", async (_, ct) => sink += (await candidate.ComputeAsync(null, ct)).PerMinute.Count),
        target);

    private static Job Record(DateTimeOffset submitted, int i)
    {
        var status = (i % 10) switch
        {
            0 => JobStatus.Failed,
            1 => JobStatus.Canceled,
            _ => JobStatus.Completed,
        };
        return new Job(Ulid.NewUlid(submitted).ToString(), "01J00000000000000000000000", TaskType.Function, "greet_user", null, status,
            submitted, submitted.AddMilliseconds(50), submitted.AddMilliseconds(250 + (i % 7 * 100)), null, null, null, null);
    }

    private static async Task<StorageAccount> SeedAsync(string connectionString, string prefix, IEnumerable<Job> jobs, CancellationToken ct)
    {
        var storage = new StorageAccount(new TableServiceClient(connectionString), new BlobServiceClient(connectionString), prefix);
        await storage.EnsureCreatedAsync(ct);
        var store = new JobStore(storage);
        var list = jobs.ToList();
        BenchmarkContext.Progress($"seeding {list.Count:N0} job records into {prefix}");
        await Parallel.ForEachAsync(list, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = ct },
            async (job, token) => await store.CreateAsync(job, token));
        return storage;
    }
}
