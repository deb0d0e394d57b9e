using System.Net;
using System.Text.Json;
using FuncTasks.Hosting;
using FuncTasks.Tests.Infrastructure;

namespace FuncTasks.Tests.Jobs;

/// <summary>
/// The original design's scenarios end to end: HTTP functions, the job orchestration on the real durable
/// engine, Table and Blob storage on Azurite, real shell processes.
/// </summary>
public sealed class ExecutionScenarioTests() : AppTests(withDurable: true, configureServices: services =>
    services.AddTaskFunction("explode", (Func<string, object>)(reason => throw new InvalidOperationException(reason)), "Throws."))
{
    [Fact]
    public async Task GreetUser_ExecutedWithBob_CompletesWithHelloBobInItsArtifact()
    {
        var task = await App.CreateTaskAsync("""{"command": "greet_user", "enabled": true, "params": {"name": "Alice"}}""");
        Assert.Equal("function", task.GetProperty("task_type").GetString());
        var taskId = task.GetProperty("id").GetString();

        using var response = await App.PostAsync($"/api/v1/tasks/{taskId}/$execute", """{"params": {"name": "Bob"}}""");
        var accepted = await Json.ReadAsync(response);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var jobId = accepted.GetProperty("job_id").GetString()!;
        Assert.Equal($"/api/v1/jobs/{jobId}", response.Headers.Location?.OriginalString);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal(taskId, accepted.GetProperty("task_id").GetString());
        Assert.Equal("pending", accepted.GetProperty("status").GetString());
        Assert.Equal($"/api/v1/jobs/{jobId}", accepted.GetProperty("links").GetProperty("job").GetString());
        Assert.Equal($"/api/v1/jobs/{jobId}/$stream", accepted.GetProperty("links").GetProperty("stream").GetString());
        var durable = accepted.GetProperty("durable");
        Assert.Equal(jobId, durable.GetProperty("id").GetString());
        foreach (var uri in new[] { "statusQueryGetUri", "sendEventPostUri", "terminatePostUri", "purgeHistoryDeleteUri", "suspendPostUri", "resumePostUri" })
        {
            Assert.StartsWith($"http://localhost/runtime/webhooks/durabletask/instances/{jobId}", durable.GetProperty(uri).GetString());
        }

        var job = await JobWaits.UntilAsync(App, jobId);
        Assert.Equal("completed", job.GetProperty("status").GetString());
        Assert.Equal("Bob", job.GetProperty("params").GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("error").ValueKind);
        Assert.True(job.GetProperty("started_at").GetDateTimeOffset() >= job.GetProperty("submitted_at").GetDateTimeOffset());
        Assert.True(job.GetProperty("finished_at").GetDateTimeOffset() >= job.GetProperty("started_at").GetDateTimeOffset());

        var artifact = await JobWaits.ArtifactAsync(App, job.GetProperty("artifact_id").GetString()!);
        Assert.Equal(jobId, artifact.GetProperty("job_id").GetString());
        Assert.Equal(taskId, artifact.GetProperty("task_id").GetString());
        Assert.Equal("application/json", artifact.GetProperty("content_type").GetString());
        var data = artifact.GetProperty("data");
        Assert.Equal("Hello, Bob!", data.GetProperty("result").GetProperty("message").GetString());
        Assert.Equal("Bob", data.GetProperty("params").GetProperty("name").GetString());
        Assert.Equal(taskId, data.GetProperty("task").GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Null, data.GetProperty("error").ValueKind);
    }

    [Fact]
    public async Task GreetUser_WithoutParams_UsesTheDefault()
    {
        var jobId = await JobWaits.ExecuteAsync(App, """{"command": "greet_user"}""");
        var job = await JobWaits.UntilAsync(App, jobId);
        var artifact = await JobWaits.ArtifactAsync(App, job.GetProperty("artifact_id").GetString()!);
        Assert.Equal("Hello, World!", artifact.GetProperty("data").GetProperty("result").GetProperty("message").GetString());
    }

    [Fact]
    public async Task ShellTask_Echo_CompletesWithStdoutAndExitCode0()
    {
        var jobId = await JobWaits.ExecuteAsync(App, """{"command": "echo 'Hello from shell!' && echo warn >&2", "env": {"X": "1"}}""");
        var job = await JobWaits.UntilAsync(App, jobId);
        Assert.Equal("completed", job.GetProperty("status").GetString());
        Assert.Equal("shell", job.GetProperty("task_type").GetString());
        Assert.Equal(0, job.GetProperty("exit_code").GetInt32());

        var data = (await JobWaits.ArtifactAsync(App, job.GetProperty("artifact_id").GetString()!)).GetProperty("data");
        Assert.Equal("Hello from shell!\n", data.GetProperty("stdout").GetString());
        Assert.Equal("warn\n", data.GetProperty("stderr").GetString());
        Assert.Equal(0, data.GetProperty("exit_code").GetInt32());
        Assert.False(data.GetProperty("truncated").GetBoolean());
    }

    [Fact]
    public async Task ShellTask_EnvFromTaskAndRequest_RequestWins()
    {
        var jobId = await JobWaits.ExecuteAsync(App, """{"command": "echo \"$A-$B\"", "env": {"A": "task", "B": "task"}}""", """{"env": {"B": "request"}}""");
        var job = await JobWaits.UntilAsync(App, jobId);
        var data = (await JobWaits.ArtifactAsync(App, job.GetProperty("artifact_id").GetString()!)).GetProperty("data");
        Assert.Equal("task-request\n", data.GetProperty("stdout").GetString());
    }

    [Fact]
    public async Task ShellTask_NonZeroExit_FailsWithExitCodeAndStillWritesTheArtifact()
    {
        var jobId = await JobWaits.ExecuteAsync(App, """{"command": "echo partial; echo broken >&2; exit 42"}""");
        var job = await JobWaits.UntilAsync(App, jobId);
        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Equal(42, job.GetProperty("exit_code").GetInt32());
        Assert.Equal("exit_code", job.GetProperty("error").GetProperty("type").GetString());

        var data = (await JobWaits.ArtifactAsync(App, job.GetProperty("artifact_id").GetString()!)).GetProperty("data");
        Assert.Equal("partial\n", data.GetProperty("stdout").GetString());
        Assert.Equal("broken\n", data.GetProperty("stderr").GetString());
        Assert.Equal(42, data.GetProperty("exit_code").GetInt32());
    }

    [Fact]
    public async Task ShellTask_Timeout_FailsWithTimeout()
    {
        var jobId = await JobWaits.ExecuteAsync(App, """{"command": "sleep 30", "timeout_seconds": 1}""");
        var job = await JobWaits.UntilAsync(App, jobId, TimeSpan.FromSeconds(20));
        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Equal("timeout", job.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("exit_code").ValueKind);
        Assert.True(job.GetProperty("finished_at").GetDateTimeOffset() - job.GetProperty("started_at").GetDateTimeOffset() < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task FunctionThatThrows_FailsWithTypeMessageAndStack()
    {
        var jobId = await JobWaits.ExecuteAsync(App, """{"command": "explode", "params": {"reason": "boom"}}""");
        var job = await JobWaits.UntilAsync(App, jobId);
        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Equal("System.InvalidOperationException", job.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("boom", job.GetProperty("error").GetProperty("message").GetString());

        var data = (await JobWaits.ArtifactAsync(App, job.GetProperty("artifact_id").GetString()!)).GetProperty("data");
        var error = data.GetProperty("error");
        Assert.Equal("System.InvalidOperationException", error.GetProperty("type").GetString());
        Assert.Equal("boom", error.GetProperty("message").GetString());
        Assert.Contains("ExecutionScenarioTests", error.GetProperty("stack").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, data.GetProperty("result").ValueKind);
        Assert.Equal("boom", data.GetProperty("params").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task SafeTask_CatchesItsOwnError_AndCompletes()
    {
        var jobId = await JobWaits.ExecuteAsync(App, """{"command": "safe_task", "params": {"risky_param": "  "}}""");
        var job = await JobWaits.UntilAsync(App, jobId);
        Assert.Equal("completed", job.GetProperty("status").GetString());
        var data = (await JobWaits.ArtifactAsync(App, job.GetProperty("artifact_id").GetString()!)).GetProperty("data");
        Assert.Equal("error", data.GetProperty("result").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Add_BindsIntegers()
    {
        var jobId = await JobWaits.ExecuteAsync(App, """{"command": "add"}""", """{"params": {"a": 5, "b": 3}}""");
        var job = await JobWaits.UntilAsync(App, jobId);
        var data = (await JobWaits.ArtifactAsync(App, job.GetProperty("artifact_id").GetString()!)).GetProperty("data");
        Assert.Equal(8, data.GetProperty("result").GetProperty("result").GetInt32());
    }

    [Fact]
    public async Task StoreResult_SavesAChildArtifact_LinkedToTheJobAndItsResult()
    {
        var jobId = await JobWaits.ExecuteAsync(App, """{"command": "store_result", "params": {"data": {"key": "value"}}}""");
        var job = await JobWaits.UntilAsync(App, jobId);
        Assert.Equal("completed", job.GetProperty("status").GetString());
        var resultId = job.GetProperty("artifact_id").GetString()!;
        var result = (await JobWaits.ArtifactAsync(App, resultId)).GetProperty("data").GetProperty("result");
        var stored = await JobWaits.ArtifactAsync(App, result.GetProperty("artifact_id").GetString()!);
        Assert.Equal("value", stored.GetProperty("data").GetProperty("key").GetString());
        Assert.Equal(jobId, stored.GetProperty("job_id").GetString());
        Assert.Equal(resultId, stored.GetProperty("parent_id").GetString());

        using var children = await App.GetAsync($"/api/v1/artifacts?parent_id={resultId}");
        var page = await Json.ReadAsync(children);
        Assert.Equal(stored.GetProperty("id").GetString(), Assert.Single(page.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task LongTask_ProgressIsSeenInTheStream_ThenTheStreamEnds()
    {
        var jobId = await JobWaits.ExecuteAsync(App, """{"command": "long_task", "params": {"steps": 3, "step_seconds": 0.4}}""");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/jobs/{jobId}/$stream");
        using var response = await App.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);

        var events = await SseEvents.ReadAllAsync(response, TimeSpan.FromSeconds(30));
        Assert.All(events, e => Assert.Equal("job", e.Name));
        var jobs = events.Select(e => JsonDocument.Parse(e.Data).RootElement).ToList();
        Assert.Equal(jobId, jobs[0].GetProperty("id").GetString());
        Assert.Equal("completed", jobs[^1].GetProperty("status").GetString());
        var percents = jobs.Where(j => j.GetProperty("progress").ValueKind == JsonValueKind.Object)
            .Select(j => j.GetProperty("progress").GetProperty("percent").GetDouble()).Distinct().ToList();
        Assert.True(percents.Count >= 2, $"expected progress steps in the stream, saw {string.Join(",", percents)}");
        Assert.Contains(jobs, j => j.GetProperty("status").GetString() == "running");
        Assert.Equal(percents.Order().ToList(), percents);
    }

    [Fact]
    public async Task Stream_OfAFinishedJob_SendsItOnceAndEnds()
    {
        var jobId = await JobWaits.ExecuteAsync(App, """{"command": "true"}""");
        await JobWaits.UntilAsync(App, jobId);
        using var response = await App.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/api/v1/jobs/{jobId}/$stream"), HttpCompletionOption.ResponseHeadersRead);
        var events = await SseEvents.ReadAllAsync(response, TimeSpan.FromSeconds(10));
        Assert.Equal("completed", JsonDocument.Parse(Assert.Single(events).Data).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Retry_FailingCommand_RunsMaxAttemptsThenFails()
    {
        var marker = Path.Combine(Path.GetTempPath(), $"functasks-retry-{Guid.NewGuid():N}");
        try
        {
            var jobId = await JobWaits.ExecuteAsync(App, $$$"""{"command": "echo x >> {{{marker}}}; exit 3", "retry": {"max_attempts": 3, "first_delay_seconds": 0.1, "backoff": 1}}""");
            var job = await JobWaits.UntilAsync(App, jobId, TimeSpan.FromSeconds(60));
            Assert.Equal("failed", job.GetProperty("status").GetString());
            Assert.Equal(3, job.GetProperty("attempt").GetInt32());
            Assert.Equal(3, File.ReadAllLines(marker).Length);
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [Fact]
    public async Task Retry_CommandThatSucceedsOnTheSecondAttempt_Completes()
    {
        var marker = Path.Combine(Path.GetTempPath(), $"functasks-retry-{Guid.NewGuid():N}");
        try
        {
            var jobId = await JobWaits.ExecuteAsync(App, $$$"""{"command": "if [ -e {{{marker}}} ]; then echo second; else touch {{{marker}}}; exit 1; fi", "retry": {"max_attempts": 3, "first_delay_seconds": 0.1}}""");
            var job = await JobWaits.UntilAsync(App, jobId, TimeSpan.FromSeconds(60));
            Assert.Equal("completed", job.GetProperty("status").GetString());
            Assert.Equal(2, job.GetProperty("attempt").GetInt32());
            var data = (await JobWaits.ArtifactAsync(App, job.GetProperty("artifact_id").GetString()!)).GetProperty("data");
            Assert.Equal("second\n", data.GetProperty("stdout").GetString());
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [Fact]
    public async Task LargeOutput_IsKeptWhole_InChildArtifacts()
    {
        var jobId = await JobWaits.ExecuteAsync(App, """{"command": "head -c 300000 /dev/zero | tr '\\0' 'a'; echo end"}""");
        var job = await JobWaits.UntilAsync(App, jobId);
        Assert.Equal("completed", job.GetProperty("status").GetString());
        var data = (await JobWaits.ArtifactAsync(App, job.GetProperty("artifact_id").GetString()!)).GetProperty("data");
        Assert.True(data.GetProperty("truncated").GetBoolean());
        Assert.EndsWith("end\n", data.GetProperty("stdout").GetString());
        var fullId = data.GetProperty("stdout_artifact_id").GetString();

        using var download = await App.GetAsync($"/api/v1/artifacts/{fullId}/$download");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("text/plain", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        var bytes = await download.Content.ReadAsByteArrayAsync();
        Assert.Equal(300004, bytes.Length);
    }

    [Fact]
    public async Task Jobs_ListNewestFirst_FilteredByStatusAndTask()
    {
        var taskId = (await App.CreateTaskAsync("""{"command": "true"}""")).GetProperty("id").GetString()!;
        var first = await JobWaits.ExecuteTaskAsync(App, taskId);
        var second = await JobWaits.ExecuteTaskAsync(App, taskId);
        var other = await JobWaits.ExecuteAsync(App, """{"command": "exit 1"}""");
        await JobWaits.UntilAsync(App, first);
        await JobWaits.UntilAsync(App, second);
        await JobWaits.UntilAsync(App, other);

        Assert.Equal([second, first], await IdsAsync($"/api/v1/jobs?task_id={taskId}"));
        Assert.Equal([other, second, first], await IdsAsync("/api/v1/jobs"));
        Assert.Equal([other], await IdsAsync("/api/v1/jobs?status=failed"));
        Assert.Equal([second, first], await IdsAsync("/api/v1/jobs?status=completed"));
        Assert.Equal([second], await IdsAsync($"/api/v1/jobs?task_id={taskId}&limit=1"));
    }

    [Fact]
    public async Task Artifacts_ListFilterGetDownloadDelete()
    {
        var jobId = await JobWaits.ExecuteAsync(App, """{"command": "greet_user"}""");
        var job = await JobWaits.UntilAsync(App, jobId);
        var artifactId = job.GetProperty("artifact_id").GetString()!;

        Assert.Equal([artifactId], await IdsAsync($"/api/v1/artifacts?job_id={jobId}"));
        Assert.Equal([artifactId], await IdsAsync($"/api/v1/artifacts?task_id={job.GetProperty("task_id").GetString()}"));
        using (var list = await App.GetAsync("/api/v1/artifacts"))
        {
            var item = (await Json.ReadAsync(list)).GetProperty("items")[0];
            Assert.False(item.TryGetProperty("data", out _), "lists carry metadata only");
            Assert.True(item.GetProperty("size_bytes").GetInt64() > 0);
        }

        using (var download = await App.GetAsync($"/api/v1/artifacts/{artifactId}/$download"))
        {
            Assert.Equal("application/json", download.Content.Headers.ContentType?.MediaType);
            Assert.Contains(artifactId, download.Content.Headers.ContentDisposition?.FileName, StringComparison.Ordinal);
            var content = JsonDocument.Parse(await download.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("Hello, World!", content.GetProperty("result").GetProperty("message").GetString());
        }

        using (var delete = await App.DeleteAsync($"/api/v1/artifacts/{artifactId}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        using (var gone = await App.GetAsync($"/api/v1/artifacts/{artifactId}"))
        {
            await Json.AssertProblemAsync(gone, 404, "not-found");
        }

        using var again = await App.DeleteAsync($"/api/v1/artifacts/{artifactId}");
        await Json.AssertProblemAsync(again, 404, "not-found");
    }

    [Fact]
    public async Task Functions_ListsTheSamplesWithParametersAndInjectedTypes()
    {
        using var response = await App.GetAsync("/api/v1/tasks/$functions");
        var body = await Json.ReadAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var functions = body.GetProperty("items").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!);
        Assert.Superset(new HashSet<string> { "greet_user", "process_data", "add", "store_result", "long_task", "safe_task" }, functions.Keys.ToHashSet());

        var greet = functions["greet_user"];
        Assert.Equal("Simple task that returns a greeting.", greet.GetProperty("description").GetString());
        var name = Assert.Single(greet.GetProperty("parameters").EnumerateArray());
        Assert.Equal("name", name.GetProperty("name").GetString());
        Assert.Equal("string", name.GetProperty("type").GetString());
        Assert.False(name.GetProperty("required").GetBoolean());
        Assert.Equal("World", name.GetProperty("default").GetString());

        var add = functions["add"].GetProperty("parameters").EnumerateArray().ToList();
        Assert.All(add, p => Assert.Equal("integer", p.GetProperty("type").GetString()));
        Assert.All(add, p => Assert.True(p.GetProperty("required").GetBoolean()));

        var injected = functions["process_data"].GetProperty("injected").EnumerateArray().Select(i => i.GetString()).ToList();
        Assert.Contains("ArtifactStore", injected);
        Assert.Contains("CancellationToken", injected);
        Assert.Empty(functions["process_data"].GetProperty("parameters").EnumerateArray());
    }

    [Fact]
    public async Task ProcessData_InjectedServicesWork()
    {
        var jobId = await JobWaits.ExecuteAsync(App, """{"command": "process_data"}""");
        var job = await JobWaits.UntilAsync(App, jobId);
        Assert.Equal("completed", job.GetProperty("status").GetString());
        var result = (await JobWaits.ArtifactAsync(App, job.GetProperty("artifact_id").GetString()!)).GetProperty("data").GetProperty("result");
        Assert.Equal("complete", result.GetProperty("status").GetString());
        var note = await JobWaits.ArtifactAsync(App, result.GetProperty("note_artifact_id").GetString()!);
        Assert.Equal(jobId, note.GetProperty("data").GetProperty("job_id").GetString());
    }

    private async Task<List<string>> IdsAsync(string path)
    {
        using var response = await App.GetAsync(path);
        var page = await Json.ReadAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, page.ToString());
        return page.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("id").GetString()!).ToList();
    }
}
