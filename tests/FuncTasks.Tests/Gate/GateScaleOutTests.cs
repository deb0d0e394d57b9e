using FuncTasks.Testing;
using FuncTasks.Tests.Infrastructure;
using Xunit.Abstractions;

namespace FuncTasks.Tests.Gate;

/// <summary>Two instances of the app on one task hub and one set of tables: one gate for both.</summary>
[Collection(DurableHeavyTests.Name)]
public sealed class GateScaleOutTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TwoInstances apps = null!;

    private AppHost a => apps.A;

    private AppHost b => apps.B;

    // Each instance's nap function says which instance ran it; messages caught in the partition handover come back after 6 s.
    public async Task InitializeAsync() => apps = await TwoInstances.StartAsync(name => s => GateTestFunctions.Register(s, name), TimeSpan.FromSeconds(6));

    public async Task DisposeAsync() => await apps.DisposeAsync();

    [Fact]
    public async Task TwoInstances_OneGate_TheLimitHoldsAcrossBoth_BothWorkersRunJobs()
    {
        const int Jobs = 40;
        const int Limit = 2;
        await GateAssert.SetLimitAsync(a, Limit);
        Assert.Equal(Limit, (await GateAssert.GetAsync(b)).Limit); // the same entity, seen from the other instance

        var taskId = (await a.CreateTaskAsync($$"""{"command": "{{GateTestFunctions.Nap}}", "params": {"ms": 250} }""")).GetProperty("id").GetString()!;

        using var stopWatching = new CancellationTokenSource();
        var watched = new List<GateView>();
        var watcher = Task.Run(async () =>
        {
            while (!stopWatching.IsCancellationRequested)
            {
                watched.Add(await GateAssert.GetAsync(watched.Count % 2 == 0 ? a : b));
                await Task.Delay(100);
            }
        });

        // Half the jobs through each instance's HTTP API, all at once.
        var ids = await Task.WhenAll(Enumerable.Range(0, Jobs).Select(i => JobWaits.ExecuteTaskAsync(i % 2 == 0 ? a : b, taskId)));
        var jobs = await GateAssert.AllFinishedAsync(b, ids, TimeSpan.FromSeconds(90));
        await stopWatching.CancelAsync();
        await watcher;

        Assert.All(jobs, j => Assert.True(j.Status == "completed" && j.ArtifactId is not null, $"not completed: {j}"));
        var ranOn = new Dictionary<string, int>();
        foreach (var job in jobs)
        {
            var result = (await JobWaits.ArtifactAsync(a, job.ArtifactId!)).GetProperty("data").GetProperty("result");
            var instance = result.GetProperty("instance").GetString()!;
            ranOn[instance] = ranOn.GetValueOrDefault(instance) + 1;
        }

        var overlap = GateAssert.MaxOverlap(jobs);
        output.WriteLine($"{Jobs} jobs, limit {Limit}, two instances: ran on {string.Join(", ", ranOn.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value}"))}; " +
                         $"max overlap from the records {overlap}; most in use seen {watched.Max(w => w.InUse)} " +
                         $"from {jobs.Min(j => j.SubmittedAt):HH:mm:ss.fff} to {jobs.Max(j => j.FinishedAt):HH:mm:ss.fff}");
        Assert.Equal(Limit, overlap);
        Assert.All(watched, w => Assert.True(w.InUse <= Limit, $"gate over the limit: {w}"));
        Assert.True(ranOn.GetValueOrDefault("A") > 0 && ranOn.GetValueOrDefault("B") > 0,
            $"both workers should have run jobs: {string.Join(", ", ranOn.Select(p => $"{p.Key} {p.Value}"))}");
        await GateAssert.DrainedAsync(a);
        await GateAssert.DrainedAsync(b);
    }
}
