using System.Net;
using System.Text.Json;
using FuncTasks.Idempotency;
using FuncTasks.Testing;
using FuncTasks.Tests.Gate;
using FuncTasks.Tests.Infrastructure;
using Xunit.Abstractions;

namespace FuncTasks.Tests.Idempotency;

/// <summary>Two instances of the app on one storage account: the claim on a key holds across both.</summary>
[Collection(DurableHeavyTests.Name)]
public sealed class IdempotencyScaleOutTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TwoInstances apps = null!;

    private AppHost a => apps.A;

    private AppHost b => apps.B;

    public async Task InitializeAsync() => apps = await TwoInstances.StartAsync();

    public async Task DisposeAsync() => await apps.DisposeAsync();

    [Fact]
    public async Task TwentyIdenticalRequestsAtOnce_OverTwoInstances_CreateExactlyOneJob()
    {
        var taskId = (await a.CreateTaskAsync("""{"command": "greet_user"}""")).GetProperty("id").GetString()!;
        var key = Guid.NewGuid().ToString();
        var path = $"/api/v1/tasks/{taskId}/$execute";
        const string Body = """{"params": {"name": "Ada"}}""";

        using var start = new ManualResetEventSlim();
        var sends = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            start.Wait();
            using var response = await (i % 2 == 0 ? a : b).SendAsync(HttpMethod.Post, path, Body, h => h.Add(IdempotencyKey.Header, key));
            return (Status: (int)response.StatusCode, Replayed: response.Headers.Contains(KeptAnswer.ReplayedHeader), Body: await response.Content.ReadAsStringAsync());
        })).ToList();
        start.Set();
        var answers = await Task.WhenAll(sends);

        output.WriteLine(string.Join(", ", answers.GroupBy(r => (r.Status, r.Replayed)).Select(g => $"{g.Key.Status}{(g.Key.Replayed ? " replayed" : string.Empty)} x{g.Count()}")));
        Assert.All(answers, r => Assert.True(r.Status is 202 or 409, $"{r.Status}: {r.Body}"));
        Assert.All(answers.Where(r => r.Status == 409), r => Assert.Contains("idempotency-key-in-use", r.Body, StringComparison.Ordinal));
        var first = Assert.Single(answers, r => r.Status == 202 && !r.Replayed);
        Assert.All(answers.Where(r => r.Status == 202), r => Assert.Equal(first.Body, r.Body));
        var jobId = JsonDocument.Parse(first.Body).RootElement.GetProperty("job_id").GetString()!;

        // Afterwards every repeat, on either instance, is the one answer; one job exists and it runs.
        foreach (var app in new[] { a, b })
        {
            using var again = await app.SendAsync(HttpMethod.Post, path, Body, h => h.Add(IdempotencyKey.Header, key));
            Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
            Assert.Equal(first.Body, await again.Content.ReadAsStringAsync());
        }

        using var list = await b.GetAsync($"/api/v1/jobs?task_id={taskId}");
        var ids = (await Json.ReadAsync(list)).GetProperty("items").EnumerateArray().Select(j => j.GetProperty("id").GetString()).ToList();
        Assert.Equal([jobId], ids);
        Assert.Equal("completed", (await JobWaits.UntilAsync(a, jobId)).GetProperty("status").GetString());
    }
}
