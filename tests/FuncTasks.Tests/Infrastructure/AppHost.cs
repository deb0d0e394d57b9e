using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using FuncTasks.Storage;
using FuncTasks.Testing.Http;
using Microsoft.Extensions.DependencyInjection;

namespace FuncTasks.Tests.Infrastructure;

/// <summary>
/// The app's HTTP functions on the shared Azurite, with tables and container of its own (a unique
/// prefix), so tests never see each other's data. Dispose deletes them.
/// </summary>
public sealed class AppHost : IAsyncDisposable
{
    private readonly FunctionsTestHost host;

    private AppHost(FunctionsTestHost host, string prefix)
    {
        this.host = host;
        Prefix = prefix;
    }

    public string Prefix { get; }
    public HttpClient Client => host.Client;
    public IServiceProvider Services => host.Services;
    public StorageAccount Storage => Services.GetRequiredService<StorageAccount>();

    public static async Task<AppHost> StartAsync(
        IReadOnlyDictionary<string, string?>? extraSettings = null,
        Action<IServiceCollection>? configureServices = null)
    {
        var azurite = await SharedAzurite.GetAsync();
        var prefix = UniqueName.Lowercase("t");
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["FuncTasks:Storage:TablePrefix"] = prefix,
        };
        foreach (var (key, value) in extraSettings ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return new AppHost(await FunctionsTestHost.StartAsync(settings, configureServices), prefix);
    }

    public async ValueTask DisposeAsync()
    {
        var storage = Storage;
        await host.DisposeAsync();
        try
        {
            await storage.Tasks.DeleteAsync();
            await storage.Jobs.DeleteAsync();
            await storage.Artifacts.DeleteIfExistsAsync();
        }
        catch (Azure.RequestFailedException)
        {
            // Azurite already stopped (a test that takes storage down); nothing to clean.
        }
    }

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
        foreach (var table in new[] { Storage.Tasks, Storage.Jobs })
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

public static class UniqueName
{
    private static int counter;

    /// <summary>A short name unique to this test run: letters and digits only, starting with <paramref name="start"/>.</summary>
    public static string Lowercase(string start) =>
        start + Environment.ProcessId.ToString("x", System.Globalization.CultureInfo.InvariantCulture)
              + Interlocked.Increment(ref counter).ToString(System.Globalization.CultureInfo.InvariantCulture)
              + Guid.NewGuid().ToString("N")[..6];
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
