using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

using FuncTasks.Testing.Host;

namespace FuncTasks.E2E.Infrastructure;

/// <summary>
/// The API over HTTP with the function key, answers read as JSON (black-box: no app types). Every call states the
/// status it expects; a different one fails with the answer's body and the end of the host's log.
/// </summary>
public sealed class FuncTasksApi(FunctionsHost host) : IDisposable
{
    public static readonly string[] Terminal = ["completed", "failed", "canceled"];

    public HttpClient Http { get; } = host.CreateClient();

    /// <summary>
    /// For the Durable management URLs: they carry their own system key (<c>code=</c>), and a function key sent in
    /// <c>x-functions-key</c> beside it wins over it and is refused there (403).
    /// </summary>
    public HttpClient Durable { get; } = host.CreateClient(withKey: false);

    public FunctionsHost Host => host;

    public Task<JsonElement> GetAsync(string path, HttpStatusCode expected = HttpStatusCode.OK) => SendAsync(HttpMethod.Get, path, null, expected);

    public Task<JsonElement> PostAsync(string path, object? body, HttpStatusCode expected) => SendAsync(HttpMethod.Post, path, body, expected);

    public Task<JsonElement> PutAsync(string path, object? body, HttpStatusCode expected = HttpStatusCode.OK) => SendAsync(HttpMethod.Put, path, body, expected);

    public Task<JsonElement> DeleteAsync(string path, HttpStatusCode expected = HttpStatusCode.NoContent) => SendAsync(HttpMethod.Delete, path, null, expected);

    public async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, HttpStatusCode expected)
    {
        using var response = await SendRawAsync(method, path, body);
        return await ExpectAsync(response, expected, $"{method} {path}");
    }

    public async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, object? body = null, HttpClient? client = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path.TrimStart('/'), UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }

        return await (client ?? Http).SendAsync(request);
    }

    public async Task<JsonElement> ExpectAsync(HttpResponseMessage response, HttpStatusCode expected, string what)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != expected)
        {
            Assert.Fail($"{what}: expected {(int)expected}, got {(int)response.StatusCode}: {text}\n--- host log ---\n{host.Tail(40)}");
        }

        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public Task<JsonElement> CreateTaskAsync(object spec) => PostAsync("api/v1/tasks", spec, HttpStatusCode.Created);

    /// <summary><c>$execute</c>: the 202 answer (job_id, links, durable).</summary>
    public Task<JsonElement> ExecuteAsync(string taskId, object? body = null) =>
        PostAsync($"api/v1/tasks/{taskId}/$execute", body, HttpStatusCode.Accepted);

    /// <summary>Creates a task and executes it once; the job id.</summary>
    public async Task<string> RunAsync(object spec, object? body = null)
    {
        var task = await CreateTaskAsync(spec);
        return (await ExecuteAsync(task.Str("id"), body)).Str("job_id");
    }

    public Task<JsonElement> GetJobAsync(string jobId) => GetAsync($"api/v1/jobs/{jobId}");

    /// <summary>Polls the job until its status is one of <paramref name="statuses"/> (default: a terminal one).</summary>
    public async Task<JsonElement> WaitForJobAsync(string jobId, TimeSpan? timeout = null, params string[] statuses)
    {
        var wanted = statuses.Length == 0 ? Terminal : statuses;
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var job = await GetJobAsync(jobId);
            if (wanted.Contains(job.Str("status")))
            {
                return job;
            }

            if (clock.Elapsed > limit)
            {
                Assert.Fail($"Job {jobId} is still {job.Str("status")} after {limit.TotalSeconds} s (waited for {string.Join('/', wanted)}): {job}\n--- host log ---\n{host.Tail(40)}");
            }

            await Task.Delay(100);
        }
    }

    public async Task<IReadOnlyList<JsonElement>> WaitForJobsAsync(IEnumerable<string> jobIds, TimeSpan timeout) =>
        await Task.WhenAll(jobIds.Select(id => WaitForJobAsync(id, timeout)));

    public async Task SetLimitAsync(int limit) => Assert.Equal(limit, (await PutAsync("api/v1/concurrency", new { limit })).GetProperty("limit").GetInt32());

    /// <summary>Runs the sweep through the host's admin API with the master key, as an operator does; it runs asynchronously.</summary>
    public async Task RunSweepAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("admin/functions/Sweep", UriKind.Relative))
        {
            Content = new StringContent("{}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-functions-key", host.MasterKey);
        using var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    /// <summary>
    /// Reads a job's Server-Sent Events until the server ends the stream: each event's name, data, time since the
    /// headers and wall-clock arrival; <paramref name="onComment"/> sees each comment line and when it arrived.
    /// </summary>
    public async Task<IReadOnlyList<(string Event, JsonElement Data, TimeSpan At, DateTimeOffset ReceivedAt)>> ReadStreamAsync(
        string jobId, TimeSpan timeout, Action<string, DateTimeOffset>? onComment = null)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"api/v1/jobs/{jobId}/$stream", UriKind.Relative));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        var events = new List<(string, JsonElement, TimeSpan, DateTimeOffset)>();
        var clock = Stopwatch.StartNew();
        string? name = null;
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(cts.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Length > 0)
                {
                    events.Add((name ?? "message", JsonDocument.Parse(data.ToString()).RootElement.Clone(), clock.Elapsed, DateTimeOffset.UtcNow));
                }

                name = null;
                data.Clear();
            }
            else if (line.StartsWith(':'))
            {
                onComment?.Invoke(line, DateTimeOffset.UtcNow);
            }
            else if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                name = line["event:".Length..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data.Append(line["data:".Length..].TrimStart());
            }
        }

        return events;
    }

    public void Dispose()
    {
        Http.Dispose();
        Durable.Dispose();
    }
}

public static class JsonElementExtensions
{
    public static string Str(this JsonElement element, string name) =>
        element.GetProperty(name).GetString() ?? throw new InvalidOperationException($"{name} is null in {element}");

    public static string? StrOrNull(this JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static DateTimeOffset Time(this JsonElement element, string name) =>
        DateTimeOffset.Parse(element.Str(name), System.Globalization.CultureInfo.InvariantCulture);
}
