using System.Net;
using FuncTasks.Tests.Infrastructure;
using Microsoft.DurableTask.Client;

namespace FuncTasks.Tests.Jobs;

public sealed class CancelAndDeleteTests() : AppTests(withDurable: true)
{
    [Fact]
    public async Task Cancel_RunningShellJob_KillsTheProcess_AndTheJobIsCanceled()
    {
        using var probe = ProcessProbe.Sleep();
        var jobId = await JobWaits.ExecuteAsync(App, $$"""{"command": "sleep {{probe.Marker}}"}""");
        await JobWaits.UntilAsync(App, jobId, null, "running");
        await Poll.UntilAsync(() => probe.Count > 0, "the sleep to start");

        using var response = await App.PostAsync($"/api/v1/jobs/{jobId}/$cancel");
        var job = await Json.ReadAsync(response);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("canceled", job.GetProperty("status").GetString());
        Assert.Equal("canceled", job.GetProperty("error").GetProperty("type").GetString());

        await Poll.UntilAsync(() => probe.Count == 0, "the process to be killed");
        var instance = await WaitForOrchestrationAsync(jobId);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, instance.RuntimeStatus);
        var final = await JobWaits.UntilAsync(App, jobId);
        Assert.Equal("canceled", final.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Cancel_PendingJob_NeverRuns()
    {
        // A limit of 1 held by a long job keeps the second one pending (waiting for a permit).
        var blocker = await JobWaits.ExecuteAsync(App, """{"command": "sleep 30"}""");
        await JobWaits.UntilAsync(App, blocker, null, "running");
        await SetLimitAsync(1);
        var waiting = await JobWaits.ExecuteAsync(App, """{"command": "echo should-not-run"}""");
        await FuncTasks.Tests.Gate.GateAssert.UntilGateAsync(App, g => g.Waiting == 1, "the job to wait for a permit");

        using var response = await App.PostAsync($"/api/v1/jobs/{waiting}/$cancel");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var instance = await WaitForOrchestrationAsync(waiting);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, instance.RuntimeStatus);
        var job = await GetJobAsync(waiting);
        Assert.Equal("canceled", job.GetProperty("status").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, job.GetProperty("started_at").ValueKind);

        using var cancelBlocker = await App.PostAsync($"/api/v1/jobs/{blocker}/$cancel");
        await JobWaits.UntilAsync(App, blocker);
    }

    [Fact]
    public async Task Delete_RunningJob_CancelsIt_RemovesRecordAndHistory_KeepsArtifacts()
    {
        using var probe = ProcessProbe.Sleep();
        var jobId = await JobWaits.ExecuteAsync(App, $$"""{"command": "echo started; sleep {{probe.Marker}}"}""");
        await JobWaits.UntilAsync(App, jobId, null, "running");

        using var response = await App.DeleteAsync($"/api/v1/jobs/{jobId}");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        using var get = await App.GetAsync($"/api/v1/jobs/{jobId}");
        await Json.AssertProblemAsync(get, 404, "not-found");
        Assert.Null(await App.DurableClient.GetInstanceAsync(jobId));
        await Poll.UntilAsync(() => probe.Count == 0, "the process to be killed");
    }

    [Fact]
    public async Task Delete_FinishedJob_RemovesRecordAndHistory_KeepsItsArtifact()
    {
        var jobId = await JobWaits.ExecuteAsync(App, """{"command": "greet_user"}""");
        var job = await JobWaits.UntilAsync(App, jobId);

        using var response = await App.DeleteAsync($"/api/v1/jobs/{jobId}");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Null(await App.DurableClient.GetInstanceAsync(jobId));
        await JobWaits.ArtifactAsync(App, job.GetProperty("artifact_id").GetString()!);

        using var again = await App.DeleteAsync($"/api/v1/jobs/{jobId}");
        await Json.AssertProblemAsync(again, 404, "not-found");
    }

    [Fact]
    public async Task DeleteTask_KeepsItsJobsAndArtifacts()
    {
        var taskId = (await App.CreateTaskAsync("""{"command": "greet_user"}""")).GetProperty("id").GetString()!;
        var jobId = await JobWaits.ExecuteTaskAsync(App, taskId);
        var job = await JobWaits.UntilAsync(App, jobId);
        using var delete = await App.DeleteAsync($"/api/v1/tasks/{taskId}");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal("completed", (await GetJobAsync(jobId)).GetProperty("status").GetString());
        await JobWaits.ArtifactAsync(App, job.GetProperty("artifact_id").GetString()!);
    }

    private async Task<OrchestrationMetadata> WaitForOrchestrationAsync(string instanceId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await App.DurableClient.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);
    }

    private async Task<System.Text.Json.JsonElement> GetJobAsync(string jobId)
    {
        using var response = await App.GetAsync($"/api/v1/jobs/{jobId}");
        return await Json.ReadAsync(response);
    }

    private async Task SetLimitAsync(int limit)
    {
        using var response = await App.PutAsync("/api/v1/concurrency", $$"""{"limit": {{limit}}}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
