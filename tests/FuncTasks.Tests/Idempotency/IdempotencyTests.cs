using System.Net;
using System.Text;
using System.Text.Json;
using FuncTasks.Idempotency;
using FuncTasks.Storage;
using FuncTasks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FuncTasks.Tests.Idempotency;

/// <summary>Idempotency-Key on the creating routes, on Azurite and the durable engine.</summary>
public sealed class IdempotencyTests() : AppTests(withDurable: true)
{
    [Fact]
    public async Task Execute_RepeatedWithItsKey_ReplaysTheKeptAnswer_AndCreatesNoSecondJob()
    {
        var taskId = await CreateTaskAsync();
        var key = NewKey();
        var path = $"/api/v1/tasks/{taskId}/$execute";

        using var first = await KeyedPostAsync(path, """{"params": {"name": "Ada"}}""", key);
        var firstBody = await first.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.False(first.Headers.Contains(KeptAnswer.ReplayedHeader));
        var jobId = JsonDocument.Parse(firstBody).RootElement.GetProperty("job_id").GetString()!;

        using var again = await KeyedPostAsync(path, """{"params": {"name": "Ada"}}""", key);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal("true", Assert.Single(again.Headers.GetValues(KeptAnswer.ReplayedHeader)));
        Assert.Equal(firstBody, await again.Content.ReadAsStringAsync());
        Assert.Equal($"/api/v1/jobs/{jobId}", again.Headers.Location?.OriginalString);
        Assert.Equal(first.Headers.GetValues("Retry-After"), again.Headers.GetValues("Retry-After"));
        Assert.Equal("application/json", again.Content.Headers.ContentType?.MediaType);
        Assert.Equal([jobId], await JobIdsAsync(taskId));

        // The same key again after the job ran: still the first answer. $rerun takes keys the same way.
        await JobWaits.UntilAsync(App, jobId);
        using (var late = await KeyedPostAsync(path, """{"params": {"name": "Ada"}}""", key))
        {
            Assert.Equal(firstBody, await late.Content.ReadAsStringAsync());
        }

        var rerunKey = NewKey();
        using var rerun = await KeyedPostAsync($"/api/v1/jobs/{jobId}/$rerun", null, rerunKey);
        using var rerunAgain = await KeyedPostAsync($"/api/v1/jobs/{jobId}/$rerun", null, rerunKey);
        Assert.Equal(HttpStatusCode.Accepted, rerun.StatusCode);
        Assert.Equal(await rerun.Content.ReadAsStringAsync(), await rerunAgain.Content.ReadAsStringAsync());
        Assert.True(rerunAgain.Headers.Contains(KeptAnswer.ReplayedHeader));
        Assert.Equal(2, (await JobIdsAsync(taskId)).Count);

        // Without a key every request is its own.
        await JobWaits.ExecuteTaskAsync(App, taskId);
        await JobWaits.ExecuteTaskAsync(App, taskId);
        Assert.Equal(4, (await JobIdsAsync(taskId)).Count);
    }

    [Fact]
    public async Task ScheduleCreateAndTrigger_RepeatedWithTheirKeys_CreateOneScheduleAndOneJob()
    {
        var taskId = await CreateTaskAsync();
        var body = $$"""{"task_id": "{{taskId}}", "cron": "@yearly"}""";
        var key = NewKey();

        using var first = await KeyedPostAsync("/api/v1/schedules", body, key);
        using var again = await KeyedPostAsync("/api/v1/schedules", body, key);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.True(again.Headers.Contains(KeptAnswer.ReplayedHeader));
        var scheduleId = JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        Assert.Equal(first.Headers.Location, again.Headers.Location);
        using (var list = await App.GetAsync($"/api/v1/schedules?task_id={taskId}"))
        {
            Assert.Single((await Json.ReadAsync(list)).GetProperty("items").EnumerateArray());
        }

        var triggerKey = NewKey();
        using var trigger = await KeyedPostAsync($"/api/v1/schedules/{scheduleId}/$trigger", null, triggerKey);
        using var triggerAgain = await KeyedPostAsync($"/api/v1/schedules/{scheduleId}/$trigger", null, triggerKey);
        Assert.Equal(HttpStatusCode.Accepted, trigger.StatusCode);
        Assert.Equal(await trigger.Content.ReadAsStringAsync(), await triggerAgain.Content.ReadAsStringAsync());
        Assert.True(triggerAgain.Headers.Contains(KeptAnswer.ReplayedHeader));
        Assert.Single(await JobIdsAsync(taskId));

        using var reused = await KeyedPostAsync("/api/v1/schedules", body.Replace("@yearly", "@daily", StringComparison.Ordinal), key);
        await Json.AssertProblemAsync(reused, 422, "idempotency-key-reused");
    }

    [Fact]
    public async Task SameKey_WithAnotherBodyOrPath_Is422_AndCreatesNothing()
    {
        var taskId = await CreateTaskAsync();
        var otherTask = await CreateTaskAsync();
        var key = NewKey();
        var path = $"/api/v1/tasks/{taskId}/$execute";
        using (var first = await KeyedPostAsync(path, """{"params": {"name": "Ada"}}""", key))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
            // The job runs to its end first: its own changes are not what this test looks for.
            await JobWaits.UntilAsync(App, (await Json.ReadAsync(first)).GetProperty("job_id").GetString()!);
        }

        var snapshot = await App.SnapshotAsync();
        // The body is compared as bytes: the same JSON with other spacing is another body.
        foreach (var (otherPath, body) in new[]
        {
            (path, """{"params": {"name": "Bob"}}"""),
            (path, """{"params":{"name":"Ada"}}"""),
            (path, null),
            ($"/api/v1/tasks/{otherTask}/$execute", """{"params": {"name": "Ada"}}"""),
            ("/api/v1/tasks", """{"command": "greet_user"}"""),
        })
        {
            using var reused = await KeyedPostAsync(otherPath, body, key);
            await Json.AssertProblemAsync(reused, 422, "idempotency-key-reused");
        }

        Assert.Equal(snapshot, await App.SnapshotAsync());
    }

    [Fact]
    public async Task MalformedKey_Is400_AndChangesNothing()
    {
        var taskId = await CreateTaskAsync();
        var snapshot = await App.SnapshotAsync();
        // (An empty value does not get through HttpClient and the test server; the check refuses it too.)
        foreach (var bad in new[] { new string('k', 256), "has space", "tab\tkey", "caf\u00e9" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/tasks/{taskId}/$execute");
            Assert.True(request.Headers.TryAddWithoutValidation(IdempotencyKey.Header, bad));
            using var response = await App.Client.SendAsync(request);
            Assert.True((int)response.StatusCode == 400, $"key '{bad}': {(int)response.StatusCode}");
            await Json.AssertProblemAsync(response, 400, "invalid-idempotency-key", IdempotencyKey.Header);
        }

        using (var twice = new HttpRequestMessage(HttpMethod.Post, "/api/v1/tasks"))
        {
            twice.Content = new StringContent("""{"command": "greet_user"}""", Encoding.UTF8, "application/json");
            twice.Headers.TryAddWithoutValidation(IdempotencyKey.Header, ["a", "b"]);
            using var response = await App.Client.SendAsync(twice);
            await Json.AssertProblemAsync(response, 400, "invalid-idempotency-key", IdempotencyKey.Header);
        }

        Assert.Equal(snapshot, await App.SnapshotAsync());
        Assert.Equal(0, await KeyRowsAsync());
        using (var longest = await KeyedPostAsync($"/api/v1/tasks/{taskId}/$execute", null, "!" + new string('~', 254)))
        {
            Assert.Equal(HttpStatusCode.Accepted, longest.StatusCode); // 255 visible characters are a key
        }

        Assert.Equal(1, await KeyRowsAsync());
    }

    [Fact]
    public async Task A4xxIsKeptAndReplayed_A5xxIsNot()
    {
        var key = NewKey();
        using (var refused = await KeyedPostAsync("/api/v1/tasks", """{"command": "greet_user", "tags": ["no spaces allowed"]}""", key))
        {
            await Json.AssertProblemAsync(refused, 400, "validation-failed", "tags[0]");
        }

        using (var replayed = await KeyedPostAsync("/api/v1/tasks", """{"command": "greet_user", "tags": ["no spaces allowed"]}""", key))
        {
            await Json.AssertProblemAsync(replayed, 400, "validation-failed", "tags[0]");
            Assert.True(replayed.Headers.Contains(KeptAnswer.ReplayedHeader));
        }

        // A 201 and the 409 of a taken id: each kept for its own key.
        var id = FuncTasks.Api.UlidIds.New(TimeProvider.System);
        var createKey = NewKey();
        var create = $$"""{"id": "{{id}}", "command": "greet_user"}""";
        using (var created = await KeyedPostAsync("/api/v1/tasks", create, createKey))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            using var again = await KeyedPostAsync("/api/v1/tasks", create, createKey);
            Assert.Equal(HttpStatusCode.Created, again.StatusCode);
            Assert.Equal(created.Headers.ETag, again.Headers.ETag);
            Assert.Equal(created.Headers.Location, again.Headers.Location);
        }

        var takenKey = NewKey();
        using (var taken = await KeyedPostAsync("/api/v1/tasks", create, takenKey))
        {
            await Json.AssertProblemAsync(taken, 409, "task-exists");
        }

        // A real storage fault: the jobs table is gone, $execute answers 500 and the key is given up.
        var executeKey = NewKey();
        await App.Storage.Jobs.DeleteAsync();
        using (var fault = await KeyedPostAsync($"/api/v1/tasks/{id}/$execute", null, executeKey))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, fault.StatusCode);
        }

        await App.Storage.Jobs.CreateIfNotExistsAsync();
        using var retried = await KeyedPostAsync($"/api/v1/tasks/{id}/$execute", null, executeKey);
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        Assert.False(retried.Headers.Contains(KeptAnswer.ReplayedHeader)); // run afresh, not replayed
        Assert.Single(await JobIdsAsync(id));
    }

    [Fact]
    public async Task KeyWhoseClaimerDied_Is409WhileItsLeaseHolds_ThenExactlyOneRepeatTakesItOver()
    {
        var taskId = await CreateTaskAsync();
        var path = $"/api/v1/tasks/{taskId}/$execute";
        const string Body = """{"params": {"name": "Ada"}}""";

        // A worker claims the key and dies before answering; its lease still holds.
        var live = NewKey();
        await ClaimLikeADeadWorkerAsync(live, path, Body, claimedAgo: TimeSpan.Zero);
        using (var inUse = await KeyedPostAsync(path, Body, live))
        {
            await Json.AssertProblemAsync(inUse, 409, "idempotency-key-in-use");
        }

        // Another died more than a lease ago: ten repeats at once, one takes it over and creates the job.
        var dead = NewKey();
        await ClaimLikeADeadWorkerAsync(dead, path, Body, claimedAgo: IdempotencyStore.ClaimLease + TimeSpan.FromSeconds(1));
        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            using var response = await KeyedPostAsync(path, Body, dead);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }));
        var accepted = answers.Where(a => a.Item1 == 202).Select(a => a.Item2).Distinct().ToList();
        Assert.True(answers.All(a => a.Item1 is 202 or 409), string.Join("; ", answers));
        var jobId = JsonDocument.Parse(Assert.Single(accepted)).RootElement.GetProperty("job_id").GetString()!;
        Assert.Equal([jobId], await JobIdsAsync(taskId));

        // Another body on a dead claim is still another request.
        using var other = await KeyedPostAsync(path, """{"params": {"name": "Bob"}}""", dead);
        await Json.AssertProblemAsync(other, 422, "idempotency-key-reused");
    }

    [Fact]
    public async Task KeyPastItsHours_IsFreeAgain()
    {
        var taskId = await CreateTaskAsync();
        var path = $"/api/v1/tasks/{taskId}/$execute";
        var fingerprint = RequestFingerprint.Of("POST", path, []);
        var kept = new KeptAnswer(202, new Dictionary<string, string> { ["Content-Type"] = "application/json" }, Encoding.UTF8.GetBytes("{\"kept\": true}"));

        // Answered 23 hours ago: replayed. Answered 25 hours ago: the key is new again (even for another body).
        var recent = NewKey();
        var old = NewKey();
        foreach (var (key, ago) in new[] { (recent, 23), (old, 25) })
        {
            var store = Store(new FakeTimeProvider(DateTimeOffset.UtcNow - TimeSpan.FromHours(ago)));
            var claim = (await store.ClaimAsync(Hash(key), fingerprint, CancellationToken.None)).Claim!;
            Assert.True(await store.KeepAsync(claim, kept, CancellationToken.None));
        }

        using (var replayed = await KeyedPostAsync(path, null, recent))
        {
            Assert.Equal(HttpStatusCode.Accepted, replayed.StatusCode);
            Assert.Equal("{\"kept\": true}", await replayed.Content.ReadAsStringAsync());
        }

        using var afresh = await KeyedPostAsync(path, """{"params": {}}""", old);
        Assert.Equal(HttpStatusCode.Accepted, afresh.StatusCode);
        Assert.False(afresh.Headers.Contains(KeptAnswer.ReplayedHeader));
        Assert.Single(await JobIdsAsync(taskId));
    }

    [Fact]
    public async Task LargeAnswer_IsKeptWhole()
    {
        // More than a Table row holds (answers of today's routes are far smaller; the store does not depend on it).
        var store = Store(TimeProvider.System);
        var hash = Hash(NewKey());
        var fingerprint = RequestFingerprint.Of("POST", "/api/v1/tasks", "{}"u8);
        var body = System.Security.Cryptography.RandomNumberGenerator.GetBytes(1536 * 1024);
        var claim = (await store.ClaimAsync(hash, fingerprint, CancellationToken.None)).Claim!;
        Assert.True(await store.KeepAsync(claim, new KeptAnswer(201, new Dictionary<string, string> { ["Location"] = "/x" }, body), CancellationToken.None));

        var kept = (await store.ClaimAsync(hash, fingerprint, CancellationToken.None)).Kept!;
        Assert.Equal((201, "/x"), (kept.Status, kept.Headers["Location"]));
        Assert.True(body.AsSpan().SequenceEqual(kept.Body.Span));
    }

    [Fact]
    public void Fingerprint_TellsMethodPathAndBodyApart()
    {
        var one = RequestFingerprint.Of("POST", "/api/v1/tasks", "{}"u8);
        Assert.Equal(one, RequestFingerprint.Of("post", "/api/v1/tasks", "{}"u8));
        Assert.NotEqual(one, RequestFingerprint.Of("PUT", "/api/v1/tasks", "{}"u8));
        Assert.NotEqual(one, RequestFingerprint.Of("POST", "/api/v1/tasks/", "{}"u8));
        Assert.NotEqual(one, RequestFingerprint.Of("POST", "/api/v1/tasks", "{ }"u8));
        Assert.NotEqual(RequestFingerprint.Of("POST", "/a\n", "b"u8), RequestFingerprint.Of("POST", "/a", "\nb"u8));
    }

    private static string NewKey() => Guid.NewGuid().ToString();

    private static string Hash(string key)
    {
        var headers = new Microsoft.AspNetCore.Http.HeaderDictionary { [IdempotencyKey.Header] = key };
        return IdempotencyKey.From(headers)!.Hash;
    }

    private IdempotencyStore Store(TimeProvider clock) =>
        new(App.Services.GetRequiredService<StorageAccount>(), clock, App.Services.GetRequiredService<IOptions<FuncTasks.Api.ApiOptions>>());

    /// <summary>Claims the key as a worker would that then died, <paramref name="claimedAgo"/> ago.</summary>
    private async Task ClaimLikeADeadWorkerAsync(string key, string path, string? body, TimeSpan claimedAgo)
    {
        var store = Store(new FakeTimeProvider(DateTimeOffset.UtcNow - claimedAgo));
        var outcome = await store.ClaimAsync(Hash(key), RequestFingerprint.Of("POST", path, Encoding.UTF8.GetBytes(body ?? string.Empty)), CancellationToken.None);
        Assert.NotNull(outcome.Claim);
    }

    private async Task<string> CreateTaskAsync() =>
        (await App.CreateTaskAsync("""{"command": "greet_user"}""")).GetProperty("id").GetString()!;

    private Task<HttpResponseMessage> KeyedPostAsync(string path, string? json, string key) =>
        App.SendAsync(HttpMethod.Post, path, json, h => h.Add(IdempotencyKey.Header, key));

    private async Task<List<string>> JobIdsAsync(string taskId)
    {
        using var response = await App.GetAsync($"/api/v1/jobs?task_id={taskId}&limit=100");
        var page = await Json.ReadAsync(response);
        return [.. page.GetProperty("items").EnumerateArray().Select(j => j.GetProperty("id").GetString()!)];
    }

    private async Task<int> KeyRowsAsync()
    {
        var count = 0;
        await foreach (var _ in App.Storage.IdempotencyKeys.QueryAsync<Azure.Data.Tables.TableEntity>(select: ["RowKey"]))
        {
            count++;
        }

        return count;
    }
}
