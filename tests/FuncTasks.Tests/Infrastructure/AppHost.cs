using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using FuncTasks.Storage;
using FuncTasks.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace FuncTasks.Tests.Infrastructure;

/// <summary>
/// The app's HTTP functions on the shared Azurite, with tables and container of its own (a unique
/// prefix), so tests never see each other's data. Dispose deletes them (<see cref="FuncTasksTestApp.DisposeAsync"/>).
/// </summary>
public sealed class AppHost : IAsyncDisposable
{
    private readonly FuncTasksTestApp app;

    private AppHost(FuncTasksTestApp app) => this.app = app;

    public string Prefix => app.Prefix;
    public HttpClient Client => app.Client;
    public IServiceProvider Services => app.Services;
    public StorageAccount Storage => app.Storage;
    public FuncTasksTestApp App => app;

    /// <summary>The durable client (apps started with <c>withDurable</c>).</summary>
    public Microsoft.DurableTask.Client.DurableTaskClient DurableClient => app.DurableClient;

    public static Task<AppHost> StartAsync(
        IReadOnlyDictionary<string, string?>? extraSettings = null,
        Action<IServiceCollection>? configureServices = null,
        bool withDurable = false) =>
        StartAsync(connectionString => Options(connectionString, extraSettings, configureServices, withDurable));

    /// <summary>The options <see cref="StartAsync(IReadOnlyDictionary{string, string?}?, Action{IServiceCollection}?, bool)"/> starts an app with.</summary>
    public static FuncTasksTestAppOptions Options(
        string connectionString,
        IReadOnlyDictionary<string, string?>? extraSettings = null,
        Action<IServiceCollection>? configureServices = null,
        bool withDurable = false) => new()
        {
            StorageConnectionString = connectionString,
            WithDurable = withDurable,
            Settings = extraSettings ?? new Dictionary<string, string?>(),
            ConfigureServices = configureServices,
        };

    /// <summary>
    /// An app with options of the test's own making (given the shared Azurite's connection string): more activity
    /// slots, shorter visibility timeouts, or a <see cref="FuncTasksTestAppOptions.Prefix"/> and
    /// <see cref="FuncTasksTestAppOptions.TaskHub"/> shared with another instance (scale-out). An app given a prefix does
    /// not own those tables: disposing it leaves them (the test that chose the prefix deletes them).
    /// </summary>
    public static async Task<AppHost> StartAsync(Func<string, FuncTasksTestAppOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var azurite = await SharedAzurite.GetAsync();
        return new AppHost(await FuncTasksTestApp.StartAsync(options(azurite.ConnectionString)));
    }

    public ValueTask DisposeAsync() => app.DisposeAsync();

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? json = null, Action<HttpRequestHeaders>? headers = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        headers?.Invoke(request.Headers);
        return Client.SendAsync(request);
    }

    public Task<HttpResponseMessage> PostAsync(string path, string? json = null) => SendAsync(HttpMethod.Post, path, json);
    public Task<HttpResponseMessage> GetAsync(string path) => SendAsync(HttpMethod.Get, path);
    public Task<HttpResponseMessage> PutAsync(string path, string json) => SendAsync(HttpMethod.Put, path, json);
    public Task<HttpResponseMessage> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path);

    /// <summary>Creates a task and returns its JSON (asserting 201).</summary>
    public async Task<JsonElement> CreateTaskAsync(string json)
    {
        using var response = await PostAsync("/api/v1/tasks", json);
        var body = await Json.ReadAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"expected 201, got {(int)response.StatusCode}: {body}");
        return body;
    }

    /// <summary>Every row of the app's tables, so a test can assert a refused request changed nothing.</summary>
    public async Task<string> SnapshotAsync()
    {
        var builder = new StringBuilder();
        foreach (var table in new[] { Storage.Tasks, Storage.Jobs, Storage.ArtifactIndex, Storage.Schedules, Storage.IdempotencyKeys })
        {
            await foreach (var entity in table.QueryAsync<TableEntity>())
            {
                builder.Append(table.Name).Append('|').Append(entity.PartitionKey).Append('|').Append(entity.RowKey).Append('|').Append(entity.ETag);
                foreach (var (key, value) in entity.OrderBy(e => e.Key, StringComparer.Ordinal))
                {
                    builder.Append('|').Append(key).Append('=').Append(value);
                }

                builder.AppendLine();
            }
        }

        return builder.ToString();
    }
}

public static class Json
{
    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (string.IsNullOrEmpty(text))
        {
            return default;
        }

        try
        {
            return JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new Xunit.Sdk.XunitException($"Response {(int)response.StatusCode} is not JSON: {text}");
        }
    }

    /// <summary>Asserts an RFC 9457 problem document with this status and slug; returns it.</summary>
    public static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, int status, string slug, string? errorField = null)
    {
        var body = await ReadAsync(response);
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"urn:functasks:error:{slug}", body.GetProperty("type").GetString());
        Assert.Equal(status, body.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("detail").GetString()));
        Assert.StartsWith("/api/", body.GetProperty("instance").GetString());
        if (errorField is not null)
        {
            Assert.True(body.TryGetProperty("errors", out var errors), $"no errors in {body}");
            Assert.True(errors.TryGetProperty(errorField, out var messages), $"no error for '{errorField}' in {body}");
            Assert.True(messages.GetArrayLength() > 0);
        }

        return body;
    }
}

public static class JobWaits
{
    /// <summary>Polls the job until its status is one of <paramref name="statuses"/> (default: a terminal one).</summary>
    public static async Task<System.Text.Json.JsonElement> UntilAsync(AppHost app, string jobId, TimeSpan? timeout = null, params string[] statuses)
    {
        statuses = statuses.Length == 0 ? ["completed", "failed", "canceled"] : statuses;
        return await Poll.UntilAsync(
            async () =>
            {
                using var response = await app.GetAsync($"/api/v1/jobs/{jobId}");
                var job = await Json.ReadAsync(response);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET job {jobId}: {(int)response.StatusCode} {job}");
                return job;
            },
            job => statuses.Contains(job.GetProperty("status").GetString()),
            job => $"Job {jobId} did not reach {string.Join("/", statuses)}: {job}",
            timeout ?? TimeSpan.FromSeconds(60));
    }

    /// <summary>Creates a task, executes it (asserting 202) and returns the job id.</summary>
    public static async Task<string> ExecuteAsync(AppHost app, string taskJson, string? executeBody = null)
    {
        var taskId = (await app.CreateTaskAsync(taskJson)).GetProperty("id").GetString()!;
        return await ExecuteTaskAsync(app, taskId, executeBody);
    }

    public static async Task<string> ExecuteTaskAsync(AppHost app, string taskId, string? executeBody = null)
    {
        using var response = await app.PostAsync($"/api/v1/tasks/{taskId}/$execute", executeBody);
        var body = await Json.ReadAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"$execute: {(int)response.StatusCode} {body}");
        return body.GetProperty("job_id").GetString()!;
    }

    public static async Task<System.Text.Json.JsonElement> ArtifactAsync(AppHost app, string artifactId)
    {
        using var response = await app.GetAsync($"/api/v1/artifacts/{artifactId}");
        var body = await Json.ReadAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET artifact: {(int)response.StatusCode} {body}");
        return body;
    }
}
