using System.Text.Json;
using FuncTasks.Execution;
using FuncTasks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FuncTasks.Tests.Jobs;

/// <summary>Activities run at least once: the same job's work run twice must leave one result.</summary>
public sealed class AtLeastOnceTests
{
    [Fact]
    public async Task RunJob_DeliveredTwiceAtOnce_LeavesOneArtifactAndOneEnding()
    {
        await using var app = await AppHost.StartAsync(withDurable: true);
        var jobId = await JobWaits.ExecuteAsync(app, """{"command": "greet_user", "params": {"name": "Twice"}}""");
        var first = await JobWaits.UntilAsync(app, jobId);
        Assert.Equal("completed", first.GetProperty("status").GetString());

        // Replay the activity's input as a redelivery would: pending again, then two deliveries at once.
        var instance = await app.DurableClient.GetInstanceAsync(jobId, getInputsAndOutputs: true);
        // Without the gate: its permit was returned when the job ended (a real redelivery comes while the job still holds it).
        var run = instance!.ReadInputAs<JobRun>()! with { UseGate = false };
        var store = app.Services.GetRequiredService<FuncTasks.Jobs.JobStore>();
        await store.UpdateAsync(jobId, j => j with { Status = FuncTasks.Jobs.JobStatus.Pending, StartedAt = null, FinishedAt = null, ArtifactId = null, Attempt = 0 }, CancellationToken.None);
        var executor = app.Services.GetRequiredService<JobExecutor>();
        var outcomes = await Task.WhenAll(
            executor.RunAsync(run, app.DurableClient, CancellationToken.None),
            executor.RunAsync(run, app.DurableClient, CancellationToken.None));

        Assert.All(outcomes, o => Assert.Equal(FuncTasks.Jobs.JobStatus.Completed, o.Status));
        var job = await JobWaits.UntilAsync(app, jobId);
        Assert.Equal(run.ResultArtifactId, job.GetProperty("artifact_id").GetString());
        Assert.Equal(first.GetProperty("artifact_id").GetString(), job.GetProperty("artifact_id").GetString());

        using var list = await app.GetAsync($"/api/v1/artifacts?job_id={jobId}");
        var artifacts = (await Json.ReadAsync(list)).GetProperty("items").EnumerateArray().ToList();
        var artifact = Assert.Single(artifacts);
        var data = (await JobWaits.ArtifactAsync(app, artifact.GetProperty("id").GetString()!)).GetProperty("data");
        Assert.Equal("Hello, Twice!", data.GetProperty("result").GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Object, data.GetProperty("task").ValueKind);
    }

    [Fact]
    public async Task RunJob_AttemptDeliveredTwice_CountsOneAttempt_AndTheRetryPolicyKeepsItsAttempts()
    {
        await using var app = await AppHost.StartAsync(withDurable: true);
        var jobId = await JobWaits.ExecuteAsync(app, """{"command": "exit 3", "retry": {"max_attempts": 2, "first_delay_seconds": 0.1, "backoff": 1}}""");
        Assert.Equal(2, (await JobWaits.UntilAsync(app, jobId)).GetProperty("attempt").GetInt32());

        // Replay the job from the start: its first attempt delivered twice at once, as a redelivery would.
        var instance = await app.DurableClient.GetInstanceAsync(jobId, getInputsAndOutputs: true);
        var run = instance!.ReadInputAs<JobRun>()! with { UseGate = false };
        var store = app.Services.GetRequiredService<FuncTasks.Jobs.JobStore>();
        await store.UpdateAsync(jobId, j => j with
        {
            Status = FuncTasks.Jobs.JobStatus.Pending, StartedAt = null, FinishedAt = null, ArtifactId = null, Attempt = 0, Error = null, ExitCode = null,
        }, CancellationToken.None);
        var executor = app.Services.GetRequiredService<JobExecutor>();
        var deliveries = await Task.WhenAll(
            executor.RunAsync(run with { Attempt = 1 }, app.DurableClient, CancellationToken.None),
            executor.RunAsync(run with { Attempt = 1 }, app.DurableClient, CancellationToken.None));

        Assert.All(deliveries, o => Assert.True(o.IsAttemptFailed(), $"outcome {o}"));
        var afterFirst = (await store.GetAsync(jobId, CancellationToken.None))!;
        Assert.Equal(FuncTasks.Jobs.JobStatus.Running, afterFirst.Status);
        Assert.Equal(1, afterFirst.Attempt); // a redelivery is not a new attempt

        var last = await executor.RunAsync(run with { Attempt = 2 }, app.DurableClient, CancellationToken.None);
        Assert.Equal(FuncTasks.Jobs.JobStatus.Failed, last.Status);
        var ended = (await store.GetAsync(jobId, CancellationToken.None))!;
        Assert.Equal(2, ended.Attempt);
        Assert.Equal("exit_code", ended.Error?.Type);
    }

    [Fact]
    public async Task Stream_SendsKeepAliveComments_WhileNothingChanges()
    {
        await using var app = await AppHost.StartAsync(new Dictionary<string, string?> { ["FuncTasks:Stream:KeepAliveSeconds"] = "1" }, withDurable: true);
        var jobId = await JobWaits.ExecuteAsync(app, """{"command": "sleep 3.5"}""");
        using var response = await app.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/api/v1/jobs/{jobId}/$stream"), HttpCompletionOption.ResponseHeadersRead);
        var comments = 0;
        var events = await SseEvents.ReadAllAsync(response, TimeSpan.FromSeconds(30), onComment: _ => comments++);
        Assert.True(comments >= 2, $"expected keep-alive comments during a 3.5 s job, saw {comments}");
        Assert.Equal("completed", JsonDocument.Parse(events[^1].Data).RootElement.GetProperty("status").GetString());
    }
}
