using FuncTasks.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace FuncTasks.Jobs;

/// <summary><c>GET /api/v1/jobs/$stats</c>: counts, throughput and run times of the jobs submitted since a time.</summary>
public sealed class JobStatsApi(JobStatistics statistics)
{
    [Function("JobStats")]
    public async Task<IResult> Stats(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v1/jobs/$stats")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ApiResults.Ok(await statistics.ComputeAsync(QueryFilters.One(request.Query, "since"), cancellationToken));
    }
}
