using System.Net;
using System.Text.Json;
using FuncTasks.Tests.Gate;
using FuncTasks.Tests.Infrastructure;

namespace FuncTasks.Tests.Jobs;

/// <summary><c>POST /api/v1/jobs/{id}/$rerun</c>: a new job with the finished job's effective params or env.</summary>
public sealed class RerunTests() : AppTests(configureServices: GateTestFunctions.Register, withDurable: true)
{
    [Fact]
    public async Task FunctionJob_RerunsWithItsEffectiveParams_TheBodyOverridingThem()
    {
        var taskId = (await App.CreateTaskAsync("""{"command": "add", "params": {"a": 1}}""")).GetProperty("id").GetString()!;
        var first = await JobWaits.ExecuteTaskAsync(App, taskId, """{"params": {"b": 2}}""");
        await JobWaits.UntilAsync(App, first);
        using (var put = await App.PutAsync($"/api/v1/tasks/{taskId}", """{"command": "add", "params": {"a": 100}}"""))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode); // the rerun keeps the job's params, not the task's new ones
        }

        var same = await RerunAsync(first);
        var other = await RerunAsync(first, """{"params": {"b": 40}}""");

        Assert.Equal(3, await ResultAsync(same));
        Assert.Equal(41, await ResultAsync(other));
        var rerun = await JobWaits.UntilAsync(App, same);
        Assert.Equal(first, rerun.GetProperty("rerun_of").GetString());
        Assert.Equal(taskId, rerun.GetProperty("task_id").GetString());
        Assert.Equal(JsonValueKind.Null, (await JobWaits.UntilAsync(App, first)).GetProperty("rerun_of").ValueKind);
    }

    [Fact]
    public async Task ShellJob_RerunsWithItsEffectiveEnv_TheBodyOverridingIt()
    {
        var taskId = (await App.CreateTaskAsync("""{"command": "echo \"$A $B\"", "env": {"A": "task"}}""")).GetProperty("id").GetString()!;
        var first = await JobWaits.ExecuteTaskAsync(App, taskId, """{"env": {"B": "execute"}}""");
        await JobWaits.UntilAsync(App, first);

        var same = await RerunAsync(first);
        var other = await RerunAsync(first, """{"env": {"A": "rerun"}}""");

        Assert.Equal("task execute\n", await StdoutAsync(same));
        Assert.Equal("rerun execute\n", await StdoutAsync(other));
    }

    [Fact]
    public async Task Rerun_CanBeDelayed()
    {
        var first = await JobWaits.ExecuteAsync(App, """{"command": "greet_user"}""");
        await JobWaits.UntilAsync(App, first);

        var later = await RerunAsync(first, """{"delay_seconds": 3600}""");

        var job = await GateAssert.GetJobAsync(App, later);
        Assert.Equal("pending", job.Status);
        Assert.NotEqual(JsonValueKind.Null, job.Json.GetProperty("scheduled_for").ValueKind);
        using var cancel = await App.PostAsync($"/api/v1/jobs/{later}/$cancel");
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
    }

    [Fact]
    public async Task AJobStillGoing_UnknownOrMalformed_Refused()
    {
        var running = await JobWaits.ExecuteAsync(App, $$"""{"command": "{{GateTestFunctions.Nap}}", "params": {"ms": 60000} }""");
        await JobWaits.UntilAsync(App, running, null, "running");

        using (var going = await App.PostAsync($"/api/v1/jobs/{running}/$rerun"))
        {
            await Json.AssertProblemAsync(going, 409, "job-not-finished");
        }

        using (var unknown = await App.PostAsync("/api/v1/jobs/01J00000000000000000000000/$rerun"))
        {
            await Json.AssertProblemAsync(unknown, 404, "not-found");
        }

        using (var malformed = await App.PostAsync("/api/v1/jobs/nope/$rerun"))
        {
            await Json.AssertProblemAsync(malformed, 400, "invalid-id");
        }

        using var cancel = await App.PostAsync($"/api/v1/jobs/{running}/$cancel");
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
    }

    [Fact]
    public async Task ItsTaskDisabled_Is409_ItsTaskGone_Is404()
    {
        var taskId = (await App.CreateTaskAsync("""{"command": "greet_user"}""")).GetProperty("id").GetString()!;
        var first = await JobWaits.ExecuteTaskAsync(App, taskId);
        await JobWaits.UntilAsync(App, first);

        using (var disable = await App.PutAsync($"/api/v1/tasks/{taskId}", """{"command": "greet_user", "enabled": false}"""))
        {
            Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        }

        using (var disabled = await App.PostAsync($"/api/v1/jobs/{first}/$rerun"))
        {
            await Json.AssertProblemAsync(disabled, 409, "task-disabled");
        }

        using (var delete = await App.DeleteAsync($"/api/v1/tasks/{taskId}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        using var gone = await App.PostAsync($"/api/v1/jobs/{first}/$rerun");
        await Json.AssertProblemAsync(gone, 404, "not-found");
    }

    private async Task<string> RerunAsync(string jobId, string? body = null)
    {
        using var response = await App.PostAsync($"/api/v1/jobs/{jobId}/$rerun", body);
        var answer = await Json.ReadAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"$rerun: {(int)response.StatusCode} {answer}");
        Assert.Equal($"/api/v1/jobs/{answer.GetProperty("job_id").GetString()}", response.Headers.Location?.ToString());
        return answer.GetProperty("job_id").GetString()!;
    }

    private async Task<int> ResultAsync(string jobId)
    {
        var job = await JobWaits.UntilAsync(App, jobId);
        Assert.Equal("completed", job.GetProperty("status").GetString());
        return (await JobWaits.ArtifactAsync(App, job.GetProperty("artifact_id").GetString()!)).GetProperty("data").GetProperty("result").GetProperty("result").GetInt32();
    }

    private async Task<string> StdoutAsync(string jobId)
    {
        var job = await JobWaits.UntilAsync(App, jobId);
        Assert.Equal("completed", job.GetProperty("status").GetString());
        return (await JobWaits.ArtifactAsync(App, job.GetProperty("artifact_id").GetString()!)).GetProperty("data").GetProperty("stdout").GetString()!;
    }
}
