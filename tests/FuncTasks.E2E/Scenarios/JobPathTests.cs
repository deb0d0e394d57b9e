using System.Diagnostics;
using System.Net;
using System.Text.Json;
using FuncTasks.E2E.Infrastructure;
using FuncTasks.Testing.Host;

namespace FuncTasks.E2E.Scenarios;

/// <summary>Every way a job runs and ends, under the host: function and shell tasks, params and env, timeouts,
/// retries, cancel, delete, SSE, artifacts and downloads, the Durable status URLs.</summary>
[Collection(SharedAppCollection.Name)]
public sealed class JobPathTests(SharedApp shared)
{
    private FuncTasksApi Api => shared.Api;

    [E2EFact]
    public async Task FunctionTask_ParamsFromTaskAndExecuteMerged_ResultInTheArtifact()
    {
        var jobId = await Api.RunAsync(new { command = "add", @params = new { a = 2, b = 1 } }, new { @params = new { b = 40 } });

        var job = await Api.WaitForJobAsync(jobId);

        Assert.Equal("completed", job.Str("status"));
        Assert.Equal(1, job.GetProperty("attempt").GetInt32());
        Assert.Equal(40, job.GetProperty("params").GetProperty("b").GetInt32());
        var data = (await Api.GetAsync($"api/v1/artifacts/{job.Str("artifact_id")}")).GetProperty("data");
        Assert.Equal(42, data.GetProperty("result").GetProperty("result").GetInt32());
        Assert.Equal("add", data.GetProperty("task").Str("command"));
        Assert.Equal(JsonValueKind.Null, data.GetProperty("error").ValueKind);
    }

    [E2EFact]
    public async Task FunctionTask_WithInjectedServices_SavesALinkedArtifact()
    {
        var job = await Api.WaitForJobAsync(await Api.RunAsync(new { command = "process_data" }));

        Assert.Equal("completed", job.Str("status"));
        var result = (await Api.GetAsync($"api/v1/artifacts/{job.Str("artifact_id")}")).GetProperty("data").GetProperty("result");
        var note = await Api.GetAsync($"api/v1/artifacts/{result.Str("note_artifact_id")}");
        Assert.Equal(job.Str("id"), note.Str("job_id"));
        Assert.Equal(job.Str("artifact_id"), note.Str("parent_id"));
    }

    [E2EFact]
    public async Task FunctionTask_BadParams_Are400_AndScheduleNothing()
    {
        var task = await Api.CreateTaskAsync(new { command = "add" });

        var problem = await Api.PostAsync($"api/v1/tasks/{task.Str("id")}/$execute", new { @params = new { a = "2", b = 1 } }, HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty("params.a", out _), problem.ToString());
        Assert.Empty((await Api.GetAsync($"api/v1/jobs?task_id={task.Str("id")}")).GetProperty("items").EnumerateArray());
    }

    [E2EFact]
    public async Task ShellTask_EnvFromTaskAndExecute_StdoutStderrAndExitCode()
    {
        var jobId = await Api.RunAsync(
            new { command = "echo \"$GREETING, $NAME\"; echo oops >&2; exit 3", env = new { GREETING = "Hello", NAME = "task" } },
            new { env = new { NAME = "Bob" } });

        var job = await Api.WaitForJobAsync(jobId);

        Assert.Equal("failed", job.Str("status"));
        Assert.Equal("exit_code", job.GetProperty("error").Str("type"));
        Assert.Equal(3, job.GetProperty("exit_code").GetInt32());
        var data = (await Api.GetAsync($"api/v1/artifacts/{job.Str("artifact_id")}")).GetProperty("data");
        Assert.Equal("Hello, Bob\n", data.Str("stdout"));
        Assert.Equal("oops\n", data.Str("stderr"));
        Assert.Equal(3, data.GetProperty("exit_code").GetInt32());
        Assert.False(data.GetProperty("truncated").GetBoolean());
    }

    [E2EFact]
    public async Task ShellTask_LargeOutput_KeptWholeAsAChildArtifact_AndDownloadable()
    {
        var job = await Api.WaitForJobAsync(await Api.RunAsync(new { command = "head -c 300000 /dev/zero | tr '\\0' 'a'; echo end" }));

        Assert.Equal("completed", job.Str("status"));
        var data = (await Api.GetAsync($"api/v1/artifacts/{job.Str("artifact_id")}")).GetProperty("data");
        Assert.True(data.GetProperty("truncated").GetBoolean());
        var fullId = data.Str("stdout_artifact_id");
        var children = await Api.GetAsync($"api/v1/artifacts?parent_id={job.Str("artifact_id")}");
        Assert.Contains(children.GetProperty("items").EnumerateArray(), a => a.Str("id") == fullId);

        using var download = await Api.SendRawAsync(HttpMethod.Get, $"api/v1/artifacts/{fullId}/$download");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("text/plain", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal($"{fullId}.txt", download.Content.Headers.ContentDisposition?.FileName);
        Assert.Equal(300004, download.Content.Headers.ContentLength);
        Assert.Equal(300004, (await download.Content.ReadAsByteArrayAsync()).Length);
    }

    [E2EFact]
    public async Task Timeout_KillsTheCommand_AndFailsTheJob()
    {
        var clock = Stopwatch.StartNew();
        var job = await Api.WaitForJobAsync(await Api.RunAsync(new { command = "sleep 30", timeout_seconds = 1 }));

        Assert.Equal("failed", job.Str("status"));
        Assert.Equal("timeout", job.GetProperty("error").Str("type"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [E2EFact]
    public async Task Retry_AFailedAttemptIsTriedAgain_UntilItSucceeds()
    {
        var marker = Path.Combine(Path.GetTempPath(), $"functasks-e2e-retry-{Guid.NewGuid():N}");
        try
        {
            var job = await Api.WaitForJobAsync(await Api.RunAsync(new
            {
                command = $"if [ -e {marker} ]; then echo second; else touch {marker}; exit 1; fi",
                retry = new { max_attempts = 3, first_delay_seconds = 0.5 },
            }));

            Assert.Equal("completed", job.Str("status"));
            Assert.Equal(2, job.GetProperty("attempt").GetInt32());
            Assert.Equal("second\n", (await Api.GetAsync($"api/v1/artifacts/{job.Str("artifact_id")}")).GetProperty("data").Str("stdout"));
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [E2EFact]
    public async Task Cancel_WhileRunning_KillsTheProcess()
    {
        var pidFile = Path.Combine(Path.GetTempPath(), $"functasks-e2e-cancel-{Guid.NewGuid():N}");
        try
        {
            var jobId = await Api.RunAsync(new { command = $"sh -c 'echo $$ > {pidFile}; exec sleep 300'" });
            await Api.WaitForJobAsync(jobId, TimeSpan.FromSeconds(30), "running");
            var pid = int.Parse(await WaitForFileAsync(pidFile), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(IsAlive(pid));

            var canceled = await Api.PostAsync($"api/v1/jobs/{jobId}/$cancel", null, HttpStatusCode.Accepted);
            var job = await Api.WaitForJobAsync(jobId, TimeSpan.FromSeconds(30));

            Assert.Equal(jobId, canceled.Str("id"));
            Assert.Equal("canceled", job.Str("status"));
            await WaitUntilAsync(() => !IsAlive(pid), TimeSpan.FromSeconds(10), $"process {pid} still runs after the cancel");
            await Api.PostAsync($"api/v1/jobs/{jobId}/$cancel", null, HttpStatusCode.Conflict);
        }
        finally
        {
            File.Delete(pidFile);
        }
    }

    [E2EFact]
    public async Task DelayedRun_WaitsPendingWithScheduledFor_HoldingNoPermit_ThenRuns_AndCanBeCanceledWhileItWaits()
    {
        var task = await Api.CreateTaskAsync(new { command = "greet_user" });
        var delayed = (await Api.ExecuteAsync(task.Str("id"), new { delay_seconds = 3 })).Str("job_id");
        var forAnHour = (await Api.ExecuteAsync(task.Str("id"), new { delay_seconds = 3600 })).Str("job_id");

        var waiting = await Api.GetJobAsync(delayed);
        Assert.Equal("pending", waiting.Str("status"));
        var due = waiting.Time("scheduled_for");
        Assert.DoesNotContain((await Api.GetAsync("api/v1/concurrency")).GetProperty("holders").EnumerateArray(), h => h.GetString() == delayed);

        await Api.PostAsync($"api/v1/jobs/{forAnHour}/$cancel", null, HttpStatusCode.Accepted);
        var done = await Api.WaitForJobAsync(delayed, TimeSpan.FromSeconds(60));
        var canceled = await Api.WaitForJobAsync(forAnHour, TimeSpan.FromSeconds(30));

        Assert.Equal("completed", done.Str("status"));
        Assert.True(done.Time("started_at") >= due, $"started {done.Str("started_at")} before its time {due:O}");
        Assert.Equal("canceled", canceled.Str("status"));
        Assert.Equal(JsonValueKind.Null, canceled.GetProperty("started_at").ValueKind);
        await Api.PostAsync($"api/v1/tasks/{task.Str("id")}/$execute", new { delay_seconds = 5, run_at = "2026-12-01T00:00:00Z" }, HttpStatusCode.BadRequest);
    }

    [E2EFact]
    public async Task Rerun_OfAFinishedJob_StartsANewJobWithItsParams_AndRefusesAJobStillGoing()
    {
        var first = await Api.RunAsync(new { command = "add", @params = new { a = 2 } }, new { @params = new { b = 3 } });
        await Api.WaitForJobAsync(first);

        var again = (await Api.PostAsync($"api/v1/jobs/{first}/$rerun", new { @params = new { b = 40 } }, HttpStatusCode.Accepted)).Str("job_id");
        var job = await Api.WaitForJobAsync(again);

        Assert.Equal("completed", job.Str("status"));
        Assert.Equal(first, job.Str("rerun_of"));
        Assert.Equal(42, (await Api.GetAsync($"api/v1/artifacts/{job.Str("artifact_id")}")).GetProperty("data").GetProperty("result").GetProperty("result").GetInt32());
        var going = await Api.RunAsync(new { command = "sleep 30" });
        await Api.WaitForJobAsync(going, TimeSpan.FromSeconds(30), "running");
        await Api.PostAsync($"api/v1/jobs/{going}/$rerun", null, HttpStatusCode.Conflict);
        await Api.PostAsync($"api/v1/jobs/{going}/$cancel", null, HttpStatusCode.Accepted);
    }

    [E2EFact]
    public async Task Delete_RemovesTheRecordAndPurgesTheHistory()
    {
        var task = await Api.CreateTaskAsync(new { command = "greet_user" });
        var accepted = await Api.ExecuteAsync(task.Str("id"));
        var jobId = accepted.Str("job_id");
        await Api.WaitForJobAsync(jobId);
        var status = new Uri(accepted.GetProperty("durable").Str("statusQueryGetUri"));
        using (var before = await Api.Durable.GetAsync(status))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await Api.DeleteAsync($"api/v1/jobs/{jobId}");

        await Api.GetAsync($"api/v1/jobs/{jobId}", HttpStatusCode.NotFound);
        using var after = await Api.Durable.GetAsync(status);
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
    }

    [E2EFact]
    public async Task Delete_OfARunningJob_CancelsItFirst()
    {
        var jobId = await Api.RunAsync(new { command = "sleep 300" });
        await Api.WaitForJobAsync(jobId, TimeSpan.FromSeconds(30), "running");

        await Api.DeleteAsync($"api/v1/jobs/{jobId}");

        await Api.GetAsync($"api/v1/jobs/{jobId}", HttpStatusCode.NotFound);
        var gate = await Api.GetAsync("api/v1/concurrency");
        Assert.DoesNotContain(gate.GetProperty("holders").EnumerateArray(), h => h.GetString() == jobId);
    }

    [E2EFact]
    public async Task Stream_SendsEveryChange_AsItHappens_AndEndsWithTheJob()
    {
        // Two steps of 1.6 s: quiet spells longer than the shared app's 1 s keep-alive interval.
        var jobId = await Api.RunAsync(new { command = "long_task", @params = new { steps = 2, step_seconds = 1.6 } });

        var comments = new List<(string Line, DateTimeOffset ReceivedAt)>();
        var events = await Api.ReadStreamAsync(jobId, TimeSpan.FromSeconds(60), (line, at) => comments.Add((line, at)));

        Assert.All(events, e => Assert.Equal("job", e.Event));
        Assert.Equal("completed", events[^1].Data.Str("status"));
        Assert.Contains(events, e => e.Data.Str("status") == "running");
        var percents = events.Where(e => e.Data.GetProperty("progress").ValueKind == JsonValueKind.Object)
            .Select(e => e.Data.GetProperty("progress").GetProperty("percent").GetDouble()).Distinct().ToList();
        Assert.True(percents.Count >= 2, $"progress events: {string.Join(", ", percents)}");
        // Delivered as they happened, not buffered to the end: the first and the last are apart by the job's run time,
        // and the first event, the running one and a keep-alive reached the client while the job was still going.
        Assert.True(events[^1].At - events[0].At > TimeSpan.FromSeconds(1), $"events at {string.Join(", ", events.Select(e => e.At))}");
        var finishedAt = (await Api.GetJobAsync(jobId)).Time("finished_at");
        Assert.True(events[0].ReceivedAt < finishedAt, $"the first event arrived at {events[0].ReceivedAt:O}, the job finished at {finishedAt:O}");
        var running = events.First(e => e.Data.Str("status") == "running");
        Assert.True(running.ReceivedAt < finishedAt, $"the running event arrived at {running.ReceivedAt:O}, the job finished at {finishedAt:O}");
        Assert.Contains(comments, c => c.Line.StartsWith(": keep-alive", StringComparison.Ordinal) && c.ReceivedAt < finishedAt);
    }

    [E2EFact]
    public async Task DurableStatusUrls_OfAJob_AnswerAsDurableFunctionsDoes()
    {
        var accepted = await Api.ExecuteAsync((await Api.CreateTaskAsync(new { command = "greet_user" })).Str("id"), new { @params = new { name = "Ada" } });
        var jobId = accepted.Str("job_id");
        await Api.WaitForJobAsync(jobId);
        var durable = accepted.GetProperty("durable");

        // The record ends inside the orchestration's last activity; the orchestration completes a moment later, and
        // until then its status URL answers 202, as Durable Functions' status URLs do.
        var clock = Stopwatch.StartNew();
        var response = await Api.Durable.GetAsync(new Uri(durable.Str("statusQueryGetUri")));
        while (response.StatusCode == HttpStatusCode.Accepted && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            response.Dispose();
            await Task.Delay(200);
            response = await Api.Durable.GetAsync(new Uri(durable.Str("statusQueryGetUri")));
        }

        using var completed = response;
        var status = await Api.ExpectAsync(completed, HttpStatusCode.OK, "statusQueryGetUri");

        Assert.Equal(jobId, durable.Str("id"));
        Assert.StartsWith(Api.Host.BaseAddress.ToString(), durable.Str("statusQueryGetUri"), StringComparison.Ordinal);
        Assert.Equal("JobOrchestrator", status.Str("name"));
        Assert.Equal(jobId, status.Str("instanceId"));
        Assert.Equal("Completed", status.Str("runtimeStatus"));
        Assert.Equal("Completed", status.GetProperty("output").Str("Status"));
        foreach (var name in new[] { "sendEventPostUri", "terminatePostUri", "purgeHistoryDeleteUri", "suspendPostUri", "resumePostUri" })
        {
            Assert.Contains(jobId, durable.Str(name), StringComparison.Ordinal);
        }
    }

    private static async Task<string> WaitForFileAsync(string path)
    {
        await WaitUntilAsync(() => File.Exists(path) && File.ReadAllText(path).Trim().Length > 0, TimeSpan.FromSeconds(10), $"{path} was not written");
        return File.ReadAllText(path).Trim();
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string failure)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < timeout, failure);
            await Task.Delay(100);
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
