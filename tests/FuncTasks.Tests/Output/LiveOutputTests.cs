using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FuncTasks.Testing;
using FuncTasks.Tests.Infrastructure;

namespace FuncTasks.Tests.Output;

/// <summary>
/// A job's output while it runs: through <c>$logs</c> (polled, followed from a second instance of the app, by Range),
/// and <c>$stream?output=true</c>; on the real durable engine, real processes, Azurite.
/// </summary>
public sealed class LiveOutputTests() : AppTests(withDurable: true)
{
    /// <summary>25 lines, one every 200 ms (every fifth on stderr), each with its number.</summary>
    private const string Ticker = "for i in $(seq 1 25); do if [ $((i % 5)) -eq 0 ]; then echo \"err $i\" >&2; else echo \"out $i\"; fi; sleep 0.2; done";

    [Fact]
    public async Task ShellJob_PrintingALineEvery200ms_IsReadableWhileItRuns_PolledFollowedFromAnotherInstanceAndStreamed()
    {
        // A second instance of the app: its own HTTP functions on the same tables and containers, no durable worker.
        await using var second = await AppHost.StartAsync(cs => new FuncTasksTestAppOptions { StorageConnectionString = cs, Prefix = App.Prefix });
        var taskId = (await App.CreateTaskAsync($$"""{"command": {{JsonSerializer.Serialize(Ticker)}}}""")).GetProperty("id").GetString()!;
        var clock = Stopwatch.StartNew();
        var jobId = await JobWaits.ExecuteTaskAsync(App, taskId);

        var polled = PollLinesAsync(App, jobId, clock);
        var followed = FollowAsync(second, jobId, clock);
        var streamed = StreamAsync(App, jobId);
        var job = await JobWaits.UntilAsync(App, jobId);
        var seen = await polled;
        var (followText, chunkTimes) = await followed;
        var events = await streamed;

        Assert.Equal("completed", job.GetProperty("status").GetString());
        var expected = string.Concat(Enumerable.Range(1, 25).Select(i => i % 5 == 0 ? $"err {i}\n" : $"out {i}\n"));
        var whole = await TextAsync(App, $"/api/v1/jobs/{jobId}/$logs");
        Assert.Equal(expected, whole);

        // Polled: lines were there while the job still ran (its record read after the log said running), arriving
        // over the run in many polls, not all at the end. (Times are not compared with the clock: the machine may be slow.)
        Assert.True(seen.TryGetValue(1, out var first) && first.WhileRunning, $"line 1: {Describe(seen)}");
        Assert.True(seen.Count(s => s.Value.WhileRunning) >= 10, $"lines seen while the job ran: {Describe(seen)}");
        Assert.True(seen.Values.Where(s => s.WhileRunning).Select(s => s.Poll).Distinct().Count() >= 4, $"polls that brought new lines: {Describe(seen)}");

        // Followed from the other instance: the same text, in pieces spread over the run, ending once the job had ended.
        Assert.Equal(expected, followText);
        Assert.True(chunkTimes.Count >= 4, $"follow delivered {chunkTimes.Count} chunks");
        Assert.True(chunkTimes[^1] - chunkTimes[0] > TimeSpan.FromSeconds(3), $"follow chunks came at {string.Join(", ", chunkTimes)}");

        // Streamed: output events between the job events, stdout and stderr apart, the terminal job event last.
        Assert.Equal("job", events[0].Name);
        Assert.Equal("job", events[^1].Name);
        Assert.Equal("completed", JsonDocument.Parse(events[^1].Data).RootElement.GetProperty("status").GetString());
        var outputs = events.Where(e => e.Name == "output").Select(e => JsonDocument.Parse(e.Data).RootElement).ToList();
        Assert.True(outputs.Count >= 4, $"{outputs.Count} output events");
        Assert.Equal(expected.Split('\n').Where(l => l.StartsWith("out", StringComparison.Ordinal)).Select(l => l + "\n"),
            Lines(outputs.Where(o => o.GetProperty("stream").GetString() == "stdout")));
        Assert.Equal(string.Concat(Enumerable.Range(1, 5).Select(i => $"err {i * 5}\n")),
            string.Concat(outputs.Where(o => o.GetProperty("stream").GetString() == "stderr").Select(o => o.GetProperty("text").GetString())));
        var firstOutput = events.FindIndex(e => e.Name == "output");
        var running = events.FindIndex(e => e.Name == "job" && e.Data.Contains("\"running\"", StringComparison.Ordinal));
        Assert.True(running >= 0 && running < events.FindLastIndex(e => e.Name == "output"), "output events came while the job ran");
        Assert.True(firstOutput > 0);

        // One stream at a time; Range resumes exactly where a client stopped.
        Assert.Equal(string.Concat(Enumerable.Range(1, 5).Select(i => $"err {i * 5}\n")), await TextAsync(App, $"/api/v1/jobs/{jobId}/$logs?stream=stderr"));
        Assert.DoesNotContain("err", await TextAsync(App, $"/api/v1/jobs/{jobId}/$logs?stream=stdout"), StringComparison.Ordinal);
        var stopAt = Encoding.UTF8.GetByteCount(expected[..37]);
        using var rest = await App.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{jobId}/$logs", headers: h => h.Range = new RangeHeaderValue(stopAt, null));
        Assert.Equal(HttpStatusCode.PartialContent, rest.StatusCode);
        Assert.Equal($"bytes {stopAt}-{whole.Length - 1}/{whole.Length}", rest.Content.Headers.ContentRange?.ToString());
        Assert.Equal(expected[37..], await rest.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task FunctionJob_LoggerLinesAndProgress_AreItsLog()
    {
        var jobId = await JobWaits.ExecuteAsync(App, """{"command": "long_task", "params": {"steps": 3, "step_seconds": 0.05}}""");
        var job = await JobWaits.UntilAsync(App, jobId);
        Assert.Equal("completed", job.GetProperty("status").GetString());

        var lines = (await TextAsync(App, $"/api/v1/jobs/{jobId}/$logs")).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(6, lines.Length);
        for (var step = 1; step <= 3; step++)
        {
            Assert.Matches($@"^\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z info: .*{step}.*3", lines[(2 * step) - 2]);
            Assert.Matches($@"^\S+Z progress: {Math.Round(100.0 * step / 3, 2).ToString(System.Globalization.CultureInfo.InvariantCulture)}% Progress: {step}/3$", lines[(2 * step) - 1]);
        }

        using var stderr = await App.GetAsync($"/api/v1/jobs/{jobId}/$logs?stream=stderr");
        await Json.AssertProblemAsync(stderr, 400, "validation-failed", "stream");
    }

    [Fact]
    public async Task Logs_BadRequests_AnswerTheContractAndChangeNothing()
    {
        var jobId = await JobWaits.ExecuteAsync(App, """{"command": "printf 'abc\n'"}""");
        await JobWaits.UntilAsync(App, jobId);
        var before = await App.SnapshotAsync();

        await Json.AssertProblemAsync(await App.GetAsync("/api/v1/jobs/not-a-ulid/$logs"), 400, "invalid-id", "id");
        await Json.AssertProblemAsync(await App.GetAsync($"/api/v1/jobs/{NUlid.Ulid.NewUlid()}/$logs"), 404, "not-found");
        await Json.AssertProblemAsync(await App.GetAsync($"/api/v1/jobs/{jobId}/$logs?stream=both"), 400, "validation-failed", "stream");
        await Json.AssertProblemAsync(await App.GetAsync($"/api/v1/jobs/{jobId}/$logs?follow=yes"), 400, "validation-failed", "follow");
        await Json.AssertProblemAsync(await App.GetAsync($"/api/v1/jobs/{jobId}/$stream?output=1"), 400, "validation-failed", "output");
        foreach (var range in new[] { "lines=0-", "bytes=5-2", "bytes=0-1,3-", "bytes=x-" })
        {
            using var refused = await App.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{jobId}/$logs", headers: h => h.TryAddWithoutValidation("Range", range));
            await Json.AssertProblemAsync(refused, 400, "invalid-range", "Range");
        }

        using var past = await App.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{jobId}/$logs", headers: h => h.Range = new RangeHeaderValue(4, null));
        await Json.AssertProblemAsync(past, 416, "range-not-satisfiable");
        Assert.Equal("bytes */4", past.Content.Headers.ContentRange?.ToString());
        using var tail = await App.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{jobId}/$logs", headers: h => h.TryAddWithoutValidation("Range", "bytes=-2"));
        Assert.Equal(HttpStatusCode.PartialContent, tail.StatusCode);
        Assert.Equal("c\n", await tail.Content.ReadAsStringAsync());

        Assert.Equal(before, await App.SnapshotAsync());
    }

    [Fact]
    public async Task Logs_OfAJobNotStartedAreEmpty_AndGoWithTheJob()
    {
        var waiting = await JobWaits.ExecuteAsync(App, """{"command": "echo later"}""", """{"delay_seconds": 600}""");
        using var empty = await App.GetAsync($"/api/v1/jobs/{waiting}/$logs");
        Assert.Equal(HttpStatusCode.OK, empty.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", empty.Content.Headers.ContentType?.ToString());
        Assert.Equal(string.Empty, await empty.Content.ReadAsStringAsync());

        var done = await JobWaits.ExecuteAsync(App, """{"command": "echo kept"}""");
        await JobWaits.UntilAsync(App, done);
        Assert.Equal("kept\n", await TextAsync(App, $"/api/v1/jobs/{done}/$logs"));
        Assert.Equal(HttpStatusCode.NoContent, (await App.DeleteAsync($"/api/v1/jobs/{done}")).StatusCode);

        await Json.AssertProblemAsync(await App.GetAsync($"/api/v1/jobs/{done}/$logs"), 404, "not-found");
        var left = new List<string>();
        await foreach (var blob in App.Storage.Logs.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, done, CancellationToken.None))
        {
            left.Add(blob.Name);
        }

        Assert.Empty(left);
    }

    private static async Task<string> TextAsync(AppHost app, string path)
    {
        using var response = await app.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        return text;
    }

    private static IEnumerable<string> Lines(IEnumerable<JsonElement> outputs) =>
        string.Concat(outputs.Select(o => o.GetProperty("text").GetString())).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l + "\n");

    /// <summary>
    /// Polls <c>$logs</c> every 100 ms until the job ends: for each numbered line, in which poll it first showed and whether
    /// the job's record, read after that log, still said the job was going.
    /// </summary>
    private static async Task<Dictionary<int, (int Poll, bool WhileRunning)>> PollLinesAsync(AppHost app, string jobId, Stopwatch clock)
    {
        var seen = new Dictionary<int, (int, bool)>();
        var limit = clock.Elapsed + TimeSpan.FromSeconds(60);
        for (var poll = 0; clock.Elapsed < limit; poll++)
        {
            var lines = (await TextAsync(app, $"/api/v1/jobs/{jobId}/$logs")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            using var job = await app.GetAsync($"/api/v1/jobs/{jobId}");
            var finished = (await Json.ReadAsync(job)).GetProperty("status").GetString() is "completed" or "failed" or "canceled";
            foreach (var line in lines)
            {
                seen.TryAdd(int.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), (poll, !finished));
            }

            if (finished)
            {
                break;
            }

            await Task.Delay(100);
        }

        return seen;
    }

    private static string Describe(Dictionary<int, (int Poll, bool WhileRunning)> seen) =>
        string.Join(", ", seen.OrderBy(s => s.Key).Select(s => $"{s.Key}@{s.Value.Poll}{(s.Value.WhileRunning ? string.Empty : " (ended)")}"));

    /// <summary>Follows the log to its end: the text, and when each chunk arrived.</summary>
    private static async Task<(string Text, List<TimeSpan> ChunkTimes)> FollowAsync(AppHost app, string jobId, Stopwatch clock)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/jobs/{jobId}/$logs?follow=true");
        using var response = await app.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        await using var body = await response.Content.ReadAsStreamAsync();
        var text = new MemoryStream();
        var times = new List<TimeSpan>();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        int read;
        while ((read = await body.ReadAsync(buffer, timeout.Token)) > 0)
        {
            text.Write(buffer, 0, read);
            times.Add(clock.Elapsed);
        }

        return (Encoding.UTF8.GetString(text.ToArray()), times);
    }

    private static async Task<List<SseEvent>> StreamAsync(AppHost app, string jobId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/jobs/{jobId}/$stream?output=true");
        using var response = await app.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await SseEvents.ReadAllAsync(response, TimeSpan.FromSeconds(60));
    }
}
