using FuncTasks.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace FuncTasks.Gate;

/// <summary><c>GET/PUT /api/v1/concurrency</c>: the gate's limit, permits in use, waiters and holders.</summary>
public sealed class ConcurrencyApi(GateClient gate, IOptions<ApiOptions> api)
{
    [Function("GetConcurrency")]
    public async Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v1/concurrency")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) =>
        ApiResults.Ok(await gate.GetAsync(client, cancellationToken));

    [Function("SetConcurrency")]
    public async Task<IResult> Put(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = "v1/concurrency")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadObjectAsync(request, api.Value.MaxBodyBytes, required: true, cancellationToken);
        var fields = new JsonFields(body!.Value);
        var limit = fields.ReadInteger("limit", 1, 1000, required: true);
        fields.RejectUnknown();
        fields.ThrowIfInvalid();
        return ApiResults.Ok(await gate.SetLimitAsync(client, limit!.Value, cancellationToken));
    }
}
