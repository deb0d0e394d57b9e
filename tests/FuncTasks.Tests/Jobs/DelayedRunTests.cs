using System.Globalization;
using System.Net;
using System.Text.Json;
using FuncTasks.Testing;
using FuncTasks.Tests.Gate;
using FuncTasks.Tests.Infrastructure;

namespace FuncTasks.Tests.Jobs;

/// <summary>
/// <c>run_at</c> and <c>delay_seconds</c> on <c>$execute</c>: the job waits on a durable timer, pending with
/// <c>scheduled_for</c>, holding no permit; it can be canceled or deleted meanwhile; bad values are 400.
/// </summary>
public sealed class DelayedRunTests() : AppTests(configureServices: GateTestFunctions.Register, withDurable: true)
{
    [Fact]
    public async Task DelaySeconds_JobWaitsPendingWithScheduledFor_WithoutAPermit_ThenRuns()
    {
        await GateAssert.SetLimitAsync(App, 1);
        var jobId = await JobWaits.ExecuteAsync(App, """{"command": "greet_user"}""", """{"delay_seconds": 2}""");

        var waiting = await GateAssert.GetJobAsync(App, jobId);
        var scheduledFor = waiting.Json.GetProperty("scheduled_for").GetDateTimeOffset();
        Assert.Equal("pending", waiting.Status);
        Assert.InRange((scheduledFor - waiting.SubmittedAt).TotalSeconds, 1.99, 2.01);
        Assert.Equal(scheduledFor, waiting.PermitRequestedAt); // it joins the gate's line when it is due
        Assert.Equal(JsonValueKind.Null, waiting.Json.GetProperty("schedule_id").ValueKind);
        Assert.Equal(JsonValueKind.Null, waiting.Json.GetProperty("rerun_of").ValueKind);
        var gate = await GateAssert.GetAsync(App);
        Assert.Equal((0, 0), (gate.InUse, gate.Waiting));

        var done = JobRecord.From(await JobWaits.UntilAsync(App, jobId, TimeSpan.FromSeconds(30)));
        Assert.Equal("completed", done.Status);
        Assert.True(done.StartedAt >= scheduledFor, $"started {done.StartedAt:O} before its time {scheduledFor:O}");
        await GateAssert.DrainedAsync(App);
    }

    [Fact]
    public async Task RunAt_WithAnOffset_IsHonoured_AndARunAtJustPassed_RunsAtOnce()
    {
        var inTwoSeconds = DateTimeOffset.UtcNow.AddSeconds(2).ToOffset(TimeSpan.FromHours(-5));
        var later = await JobWaits.ExecuteAsync(App, """{"command": "greet_user"}""",
            $$"""{"run_at": "{{inTwoSeconds.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture)}}"}""");
        var justPassed = await JobWaits.ExecuteAsync(App, """{"command": "greet_user"}""",
            $$"""{"run_at": "{{DateTimeOffset.UtcNow.AddSeconds(-2).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)}}"}""");

        var laterJob = await GateAssert.GetJobAsync(App, later);
        Assert.Equal(inTwoSeconds.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)[..23],
            laterJob.Json.GetProperty("scheduled_for").GetDateTimeOffset().ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)[..23]);
        Assert.Equal(JsonValueKind.Null, (await GateAssert.GetJobAsync(App, justPassed)).Json.GetProperty("scheduled_for").ValueKind);
        Assert.Equal("completed", (await JobWaits.UntilAsync(App, justPassed)).GetProperty("status").GetString());
        Assert.Equal("completed", (await JobWaits.UntilAsync(App, later, TimeSpan.FromSeconds(30))).GetProperty("status").GetString());
    }

    [Fact]
    public async Task CancelWhileItWaitsForItsTime_NeverRuns_AndItsOrchestrationEnds()
    {
        var jobId = await JobWaits.ExecuteAsync(App, """{"command": "greet_user"}""", """{"delay_seconds": 3600}""");

        using (var cancel = await App.PostAsync($"/api/v1/jobs/{jobId}/$cancel"))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }

        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await App.DurableClient.WaitForInstanceCompletionAsync(jobId, wait.Token); // the timer does not hold it for an hour
        }

        var canceled = await GateAssert.GetJobAsync(App, jobId);
        Assert.Equal("canceled", canceled.Status);
        Assert.Null(canceled.StartedAt);
        await GateAssert.DrainedAsync(App);
    }

    [Fact]
    public async Task DeleteWhileItWaitsForItsTime_RemovesTheJobAndItsHistory()
    {
        var jobId = await JobWaits.ExecuteAsync(App, """{"command": "greet_user"}""", """{"delay_seconds": 3600}""");

        using (var delete = await App.DeleteAsync($"/api/v1/jobs/{jobId}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        using (var gone = await App.GetAsync($"/api/v1/jobs/{jobId}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }

        Assert.Null(await App.DurableClient.GetInstanceAsync(jobId));
    }

    [Theory]
    [InlineData("""{"run_at": "2026-01-01T00:00:00Z", "delay_seconds": 5}""", "delay_seconds")]
    [InlineData("""{"run_at": "2020-01-01T00:00:00Z"}""", "run_at")]
    [InlineData("""{"run_at": "2026-12-01T02:00:00"}""", "run_at")]
    [InlineData("""{"run_at": "tomorrow"}""", "run_at")]
    [InlineData("""{"run_at": 1764554400}""", "run_at")]
    [InlineData("""{"delay_seconds": 0}""", "delay_seconds")]
    [InlineData("""{"delay_seconds": 31622401}""", "delay_seconds")]
    [InlineData("""{"delay_seconds": 1.5}""", "delay_seconds")]
    [InlineData("""{"delay_seconds": "10"}""", "delay_seconds")]
    public async Task BadTimes_Are400_NamingTheField_AndScheduleNothing(string body, string field)
    {
        var taskId = (await App.CreateTaskAsync("""{"command": "greet_user"}""")).GetProperty("id").GetString()!;

        using var response = await App.PostAsync($"/api/v1/tasks/{taskId}/$execute", body);

        await Json.AssertProblemAsync(response, 400, "validation-failed", field);
        using var jobs = await App.GetAsync($"/api/v1/jobs?task_id={taskId}");
        Assert.Empty((await Json.ReadAsync(jobs)).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task RunAtMoreThan366DaysAhead_Is400()
    {
        var taskId = (await App.CreateTaskAsync("""{"command": "greet_user"}""")).GetProperty("id").GetString()!;
        var tooFar = DateTimeOffset.UtcNow.AddDays(367).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        using var response = await App.PostAsync($"/api/v1/tasks/{taskId}/$execute", $$"""{"run_at": "{{tooFar}}"}""");

        await Json.AssertProblemAsync(response, 400, "validation-failed", "run_at");
    }
}
