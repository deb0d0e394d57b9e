using FuncTasks.Api;
using FuncTasks.Execution;
using FuncTasks.Idempotency;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace FuncTasks.Jobs;

/// <summary>The answer of <c>$execute</c>.</summary>
public sealed record JobAcceptedResponse(string JobId, string TaskId, JobStatus Status, JobLinks Links, DurableManagementUrls Durable);

public sealed record JobLinks(string Job, string Stream);

/// <summary>HTTP triggers for executing tasks and following, canceling and deleting jobs.</summary>
public sealed class JobsApi(JobSchedulerFactory schedulers, JobStore jobs, JobStreamWriter stream, IOptions<ApiOptions> api, IdempotentRequests idempotency)
{
    /// <summary>A job id segment; the regex keeps <c>$stats</c> for its own function (the host's router does not prefer literals).</summary>
    internal const string JobRoute = "v1/jobs/{id:regex(^(?!\\$))}";

    [Function("ExecuteTask")]
    public Task<IResult> Execute(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "v1/tasks/{id}/$execute")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext context,
        CancellationToken cancellationToken) =>
        idempotency.RunAsync(request, async cancellationToken =>
        {
            var taskId = UlidIds.Parse(id, "id");
            var body = await RequestBody.ReadObjectAsync(request, api.Value.MaxBodyBytes, required: false, cancellationToken);
            var job = await schedulers.Create(client).ExecuteAsync(taskId, ExecuteRequest.Parse(body), cancellationToken);
            return JobAccepted(job, client, request, context);
        }, cancellationToken);

    [Function("RerunJob")]
    public Task<IResult> Rerun(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "v1/jobs/{id}/$rerun")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext context,
        CancellationToken cancellationToken) =>
        idempotency.RunAsync(request, async cancellationToken =>
        {
            var jobId = UlidIds.Parse(id, "id");
            var body = await RequestBody.ReadObjectAsync(request, api.Value.MaxBodyBytes, required: false, cancellationToken);
            var job = await schedulers.Create(client).RerunAsync(jobId, ExecuteRequest.Parse(body), cancellationToken);
            return JobAccepted(job, client, request, context);
        }, cancellationToken);

    /// <summary>The 202 of a job just accepted: its id, links, the Durable management URLs.</summary>
    internal static IResult JobAccepted(Job job, DurableTaskClient client, HttpRequest request, FunctionContext context)
    {
        var location = $"/api/v1/jobs/{job.Id}";
        var answer = new JobAcceptedResponse(job.Id, job.TaskId, job.Status, new JobLinks(location, $"{location}/$stream"),
            DurableLinks.For(client, job.Id, request, context));
        return ApiResults.Accepted(answer).WithHeader("Location", location).WithHeader("Retry-After", "1");
    }

    [Function("ListJobs")]
    public async Task<IResult> List(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v1/jobs")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var page = PageRequest.FromQuery(request.Query);
        var query = new JobQuery(QueryFilters.Enum<JobStatus>(request.Query, "status"), QueryFilters.Id(request.Query, "task_id"),
            QueryFilters.Id(request.Query, "schedule_id"));
        return ApiResults.Ok(await jobs.ListAsync(query, page, cancellationToken));
    }

    [Function("GetJob")]
    public async Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = JobRoute)] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
    {
        var jobId = UlidIds.Parse(id, "id");
        return ApiResults.Ok(await jobs.GetAsync(jobId, cancellationToken) ?? throw Refusals.NotFound("job", jobId));
    }

    [Function("CancelJob")]
    public async Task<IResult> Cancel(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "v1/jobs/{id}/$cancel")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        var job = await schedulers.Create(client).CancelAsync(UlidIds.Parse(id, "id"), cancellationToken);
        return ApiResults.Accepted(job);
    }

    [Function("DeleteJob")]
    public async Task<IResult> Delete(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = JobRoute)] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        await schedulers.Create(client).DeleteAsync(UlidIds.Parse(id, "id"), cancellationToken);
        return ApiResults.NoContent();
    }

    [Function("StreamJob")]
    public async Task<IResult> Stream(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v1/jobs/{id}/$stream")] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
    {
        var jobId = UlidIds.Parse(id, "id");
        var output = QueryFilters.Boolean(request.Query, "output") ?? false;
        var job = await jobs.GetAsync(jobId, cancellationToken) ?? throw Refusals.NotFound("job", jobId);
        return stream.Open(job, output, cancellationToken);
    }
}
