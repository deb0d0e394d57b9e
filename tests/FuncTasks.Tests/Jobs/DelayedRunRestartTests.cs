using FuncTasks.Testing;
using FuncTasks.Tests.Gate;
using FuncTasks.Tests.Infrastructure;

namespace FuncTasks.Tests.Jobs;

/// <summary>The app dies while delayed jobs wait and comes back after their time: none is lost, none runs twice.</summary>
[Collection(DurableHeavyTests.Name)]
public sealed class DelayedRunRestartTests : AppTests
{
    protected override FuncTasksTestAppOptions Options(string connectionString) => new()
    {
        StorageConnectionString = connectionString,
        WithDurable = true,
        ConfigureServices = GateTestFunctions.Register,
        ControlQueueVisibilityTimeout = TimeSpan.FromSeconds(6),
        WorkItemQueueVisibilityTimeout = TimeSpan.FromSeconds(8),
    };

    [Fact]
    public async Task WorkerStoppedWhileJobsWait_StartedAfterTheirTime_EachRunsOnce()
    {
        var marker = Path.Combine(Path.GetTempPath(), $"functasks-delayed-{Guid.NewGuid():N}");
        try
        {
            var taskId = (await App.CreateTaskAsync($$"""{"command": "echo ran >> {{marker}}"}""")).GetProperty("id").GetString()!;
            var ids = new List<string>();
            foreach (var delay in new[] { 2, 3, 4 })
            {
                ids.Add(await JobWaits.ExecuteTaskAsync(App, taskId, $$"""{"delay_seconds": {{delay}}}"""));
            }

            var durable = App.App.Durable!;
            await durable.StopWorkerAsync(); // forced: the app dies while its jobs wait for their time
            await Task.Delay(TimeSpan.FromSeconds(6));
            Assert.All(await GateAssert.ListJobsAsync(App), j => Assert.Equal("pending", j.Status));
            Assert.False(File.Exists(marker));

            await durable.StartWorkerAsync();
            var jobs = await GateAssert.AllFinishedAsync(App, ids, TimeSpan.FromSeconds(60));

            Assert.All(jobs, j => Assert.Equal("completed", j.Status));
            Assert.All(jobs, j => Assert.Equal(1, j.Json.GetProperty("attempt").GetInt32()));
            Assert.Equal(ids.Count, File.ReadAllLines(marker).Length); // each ran once
            await GateAssert.DrainedAsync(App);
        }
        finally
        {
            File.Delete(marker);
        }
    }
}
