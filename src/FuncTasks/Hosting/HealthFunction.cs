using System.Diagnostics;
using Azure;
using FuncTasks.Api;
using FuncTasks.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace FuncTasks.Hosting;

/// <summary><c>GET /api/health</c>: 200 when the app's table and container answer, 503 when either does not.</summary>
public sealed class HealthFunction(StorageAccount storage)
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    [Function("Health")]
    public async Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var tables = CheckAsync(ct => storage.Tasks.QueryAsync<Azure.Data.Tables.TableEntity>(
            filter: "PartitionKey eq 'health'", maxPerPage: 1, cancellationToken: ct).AsPages().GetAsyncEnumerator(ct).MoveNextAsync().AsTask(), cancellationToken);
        var blobs = CheckAsync(ct => storage.Artifacts.GetPropertiesAsync(cancellationToken: ct), cancellationToken);
        var checks = new Dictionary<string, HealthCheck> { ["tables"] = await tables, ["blobs"] = await blobs };
        var healthy = checks.Values.All(c => c.Status == "healthy");
        return ApiResults.Json(healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable,
            new HealthReport(healthy ? "healthy" : "unhealthy", checks));
    }

    private static async Task<HealthCheck> CheckAsync(Func<CancellationToken, Task> probe, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CheckTimeout);
        var watch = Stopwatch.StartNew();
        try
        {
            await probe(timeout.Token);
            return new HealthCheck("healthy", watch.ElapsedMilliseconds, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new HealthCheck("unhealthy", watch.ElapsedMilliseconds, $"no answer within {CheckTimeout.TotalSeconds:0} s");
        }
        catch (RequestFailedException ex)
        {
            return new HealthCheck("unhealthy", watch.ElapsedMilliseconds, $"{ex.Status} {ex.ErrorCode}".Trim());
        }
        catch (Exception ex) when (ex is HttpRequestException or AggregateException or IOException)
        {
            return new HealthCheck("unhealthy", watch.ElapsedMilliseconds, ex.GetBaseException().Message);
        }
    }

    public sealed record HealthReport(string Status, IReadOnlyDictionary<string, HealthCheck> Checks);

    public sealed record HealthCheck(string Status, long DurationMs, string? Error);
}
