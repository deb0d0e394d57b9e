using FuncTasks.Api;
using FuncTasks.Idempotency;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace FuncTasks.Tasks;

/// <summary>HTTP triggers for task CRUD: parse, call <see cref="TaskService"/>, shape the answer.</summary>
public sealed class TasksApi(TaskService tasks, IOptions<ApiOptions> api, IdempotentRequests idempotency)
{
    /// <summary>A task id segment; the regex keeps <c>$orphaned</c> and <c>$functions</c> for their own functions.</summary>
    internal const string TaskRoute = "v1/tasks/{id:regex(^(?!\\$))}";

    [Function("CreateTask")]
    public Task<IResult> Create(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "v1/tasks")] HttpRequest request,
        CancellationToken cancellationToken) =>
        idempotency.RunAsync(request, async cancellationToken =>
        {
            var body = await RequestBody.ReadObjectAsync(request, api.Value.MaxBodyBytes, required: true, cancellationToken);
            var (spec, clientId) = TaskSpecParser.Parse(body!.Value);
            var created = await tasks.CreateAsync(spec, clientId, cancellationToken);
            return ApiResults.Created($"/api/v1/tasks/{created.Value.Id}", created.Value).WithHeader("ETag", created.HttpETag);
        }, cancellationToken);

    [Function("ListTasks")]
    public async Task<IResult> List(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v1/tasks")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var page = PageRequest.FromQuery(request.Query);
        var tags = request.Query.TryGetValue("tag", out var values) ? values.ToList() : [];
        foreach (var tag in tags)
        {
            if (!TaskSpecParser.IsValidTag(tag))
            {
                throw Refusals.Validation("tag", "must be 1 to 100 characters from [A-Za-z0-9_-]");
            }
        }

        var query = new TaskQuery(
            QueryFilters.Boolean(request.Query, "enabled"),
            QueryFilters.Enum<TaskType>(request.Query, "task_type"),
            tags!);
        return ApiResults.Ok(await tasks.ListAsync(query, page, cancellationToken));
    }

    [Function("GetTask")]
    public async Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = TaskRoute)] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
    {
        var task = await tasks.GetAsync(UlidIds.Parse(id, "id"), cancellationToken);
        return ApiResults.Ok(task.Value).WithHeader("ETag", task.HttpETag);
    }

    [Function("ReplaceTask")]
    public async Task<IResult> Replace(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = TaskRoute)] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
    {
        var taskId = UlidIds.Parse(id, "id");
        var body = await RequestBody.ReadObjectAsync(request, api.Value.MaxBodyBytes, required: true, cancellationToken);
        var (spec, bodyId) = TaskSpecParser.Parse(body!.Value);
        if (bodyId is not null && bodyId != taskId)
        {
            throw Refusals.Validation("id", "must match the id in the path (or be left out)");
        }

        var replaced = await tasks.ReplaceAsync(taskId, spec, IfMatch.From(request), cancellationToken);
        return ApiResults.Ok(replaced.Value).WithHeader("ETag", replaced.HttpETag);
    }

    [Function("DeleteTask")]
    public async Task<IResult> Delete(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = TaskRoute)] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
    {
        await tasks.DeleteAsync(UlidIds.Parse(id, "id"), IfMatch.From(request), cancellationToken);
        return ApiResults.NoContent();
    }

}
