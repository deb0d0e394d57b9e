using System.Net;
using System.Text;
using System.Text.Json;
using FuncTasks.E2E.Infrastructure;

namespace FuncTasks.E2E.Scenarios;

/// <summary>Idempotency-Key under the host: a replayed <c>$execute</c>, a reused key (422), a malformed key (400).</summary>
[Collection(SharedAppCollection.Name)]
public sealed class IdempotencyTests(SharedApp shared)
{
    private FuncTasksApi Api => shared.Api;

    [E2EFact]
    public async Task Execute_RepeatedWithItsKey_IsReplayed_OtherBodyIs422_MalformedKeyIs400()
    {
        var taskId = (await Api.CreateTaskAsync(new { command = "add", @params = new { a = 1 } })).Str("id");
        var path = $"api/v1/tasks/{taskId}/$execute";
        var key = Guid.NewGuid().ToString();
        const string Body = """{"params": {"b": 2}}""";

        using var first = await SendAsync(path, Body, key);
        var firstText = await first.Content.ReadAsStringAsync();
        Assert.True(first.StatusCode == HttpStatusCode.Accepted, $"{(int)first.StatusCode}: {firstText}\n{Api.Host.Tail(40)}");
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        var jobId = JsonDocument.Parse(firstText).RootElement.Str("job_id");

        using var again = await SendAsync(path, Body, key);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal("true", Assert.Single(again.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal($"/api/v1/jobs/{jobId}", again.Headers.Location?.OriginalString);
        Assert.Equal(firstText, await again.Content.ReadAsStringAsync());
        Assert.Equal("completed", (await Api.WaitForJobAsync(jobId)).Str("status"));
        Assert.Equal([jobId], (await Api.GetAsync($"api/v1/jobs?task_id={taskId}")).GetProperty("items").EnumerateArray().Select(j => j.Str("id")));

        using var reused = await SendAsync(path, """{"params": {"b": 3}}""", key);
        var problem = await Api.ExpectAsync(reused, HttpStatusCode.UnprocessableEntity, "a reused key");
        Assert.Equal("urn:functasks:error:idempotency-key-reused", problem.Str("type"));
        Assert.Equal("application/problem+json", reused.Content.Headers.ContentType?.MediaType);

        using var malformed = await SendAsync(path, Body, "not a key");
        Assert.Equal("urn:functasks:error:invalid-idempotency-key", (await Api.ExpectAsync(malformed, HttpStatusCode.BadRequest, "a malformed key")).Str("type"));
        Assert.Single((await Api.GetAsync($"api/v1/jobs?task_id={taskId}")).GetProperty("items").EnumerateArray());
    }

    private async Task<HttpResponseMessage> SendAsync(string path, string body, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        return await Api.Http.SendAsync(request);
    }
}
