using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace FuncTasks.Benchmarks.BareApp;

/// <summary>
/// A bare Durable Functions app: an HTTP starter, an orchestration that calls one no-op activity, and a status
/// function, each as thin as the Durable samples make them. The starter and the status function take the same
/// bindings as the app's <c>$execute</c> and <c>GET /api/v1/jobs/{id}</c> (an ASP.NET Core request, a function
/// key, a Durable client), so a client starts and polls both apps the same way.
/// </summary>
public static class BareFunctions
{
    public const string Orchestration = "BareOrchestration";
    public const string Activity = "BareNoop";

    /// <summary><c>POST /api/bare/start</c>: schedules the orchestration; 202 with its instance id and management URLs.</summary>
    [Function("BareStart")]
    public static async Task<IActionResult> Start(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "bare/start")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(context);
        var id = await client.ScheduleNewOrchestrationInstanceAsync(Orchestration, cancellation: cancellationToken).ConfigureAwait(false);
        var urls = client.CreateHttpManagementPayload(id, await context.GetHttpRequestDataAsync().ConfigureAwait(false));
        return new AcceptedResult($"/api/bare/instances/{id}", urls);
    }

    /// <summary>
    /// <c>GET /api/bare/instances/{id}</c>: the instance's runtime status and output, one read of the instance table
    /// (as the app's job read is one read of the job table); 404 when there is no such instance.
    /// </summary>
    [Function("BareStatus")]
    public static async Task<IActionResult> Status(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "bare/instances/{id}")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var instance = await client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false);
        return instance is null
            ? new NotFoundResult()
            : new OkObjectResult(new BareStatusResponse(id, instance.RuntimeStatus.ToString(), instance.CreatedAt, instance.LastUpdatedAt, instance.SerializedOutput));
    }

    /// <summary><c>GET /api/ready</c>, anonymous: answers once the worker serves HTTP (the harness waits for it).</summary>
    [Function("Ready")]
    public static IActionResult Ready([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "ready")] HttpRequest request) => new OkResult();

    [Function(Orchestration)]
    public static Task<string> Orchestrate([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.CallActivityAsync<string>(Activity, "noop");
    }

    [Function(Activity)]
    public static string Noop([ActivityTrigger] string input) => input;
}

public sealed record BareStatusResponse(string Id, string RuntimeStatus, DateTimeOffset CreatedAt, DateTimeOffset LastUpdatedAt, string? Output);
