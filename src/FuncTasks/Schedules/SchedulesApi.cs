using FuncTasks.Api;
using FuncTasks.Execution;
using FuncTasks.Idempotency;
using FuncTasks.Jobs;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace FuncTasks.Schedules;

/// <summary>HTTP triggers for schedules: parse, call <see cref="ScheduleService"/> or <see cref="ScheduleFirer"/>, shape the answer.</summary>
public sealed class SchedulesApi(ScheduleService schedules, ScheduleFirer firer, TimeProvider clock, IOptions<ApiOptions> api, IdempotentRequests idempotency)
{
    [Function("CreateSchedule")]
    public Task<IResult> Create(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "v1/schedules")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) =>
        idempotency.RunAsync(request, async cancellationToken =>
        {
            var body = await RequestBody.ReadObjectAsync(request, api.Value.MaxBodyBytes, required: true, cancellationToken);
            var (spec, clientId) = ScheduleSpecParser.Parse(body!.Value, clock.GetUtcNow());
            var created = await schedules.CreateAsync(spec, clientId, client, cancellationToken);
            return ApiResults.Created($"/api/v1/schedules/{created.Value.Id}", created.Value).WithHeader("ETag", created.HttpETag);
        }, cancellationToken);

    [Function("ListSchedules")]
    public async Task<IResult> List(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v1/schedules")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var page = PageRequest.FromQuery(request.Query);
        var tags = request.Query.TryGetValue("tag", out var values) ? values.ToList() : [];
        if (tags.Any(tag => !Tasks.TaskSpecParser.IsValidTag(tag)))
        {
            throw Refusals.Validation("tag", "must be 1 to 100 characters from [A-Za-z0-9_-]");
        }

        var query = new ScheduleQuery(QueryFilters.Id(request.Query, "task_id"), QueryFilters.Boolean(request.Query, "enabled"), tags!);
        return ApiResults.Ok(await schedules.ListAsync(query, page, cancellationToken));
    }

    [Function("GetSchedule")]
    public async Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v1/schedules/{id}")] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
    {
        var schedule = await schedules.GetAsync(UlidIds.Parse(id, "id"), cancellationToken);
        return ApiResults.Ok(schedule.Value).WithHeader("ETag", schedule.HttpETag);
    }

    [Function("ReplaceSchedule")]
    public async Task<IResult> Replace(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = "v1/schedules/{id}")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        var scheduleId = UlidIds.Parse(id, "id");
        var body = await RequestBody.ReadObjectAsync(request, api.Value.MaxBodyBytes, required: true, cancellationToken);
        var (spec, bodyId) = ScheduleSpecParser.Parse(body!.Value, clock.GetUtcNow());
        if (bodyId is not null && bodyId != scheduleId)
        {
            throw Refusals.Validation("id", "must match the id in the path (or be left out)");
        }

        var replaced = await schedules.ReplaceAsync(scheduleId, spec, IfMatch.From(request), client, cancellationToken);
        return ApiResults.Ok(replaced.Value).WithHeader("ETag", replaced.HttpETag);
    }

    [Function("DeleteSchedule")]
    public async Task<IResult> Delete(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "v1/schedules/{id}")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        await schedules.DeleteAsync(UlidIds.Parse(id, "id"), IfMatch.From(request), client, cancellationToken);
        return ApiResults.NoContent();
    }

    [Function("TriggerSchedule")]
    public Task<IResult> Trigger(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "v1/schedules/{id}/$trigger")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext context,
        CancellationToken cancellationToken) =>
        idempotency.RunAsync(request, async cancellationToken =>
        {
            var scheduleId = UlidIds.Parse(id, "id");
            var body = await RequestBody.ReadObjectAsync(request, api.Value.MaxBodyBytes, required: false, cancellationToken);
            var job = await firer.TriggerAsync(scheduleId, ExecuteRequest.Parse(body), client, cancellationToken);
            return JobsApi.JobAccepted(job, client, request, context);
        }, cancellationToken);

}
