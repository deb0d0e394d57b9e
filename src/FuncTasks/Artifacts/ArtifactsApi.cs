using FuncTasks.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace FuncTasks.Artifacts;

/// <summary>HTTP triggers for artifacts: list, get (with the JSON value), download, delete.</summary>
public sealed class ArtifactsApi(ArtifactStore artifacts)
{
    [Function("ListArtifacts")]
    public async Task<IResult> List(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v1/artifacts")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var page = PageRequest.FromQuery(request.Query);
        var query = new ArtifactQuery(
            QueryFilters.Id(request.Query, "job_id"),
            QueryFilters.Id(request.Query, "task_id"),
            QueryFilters.Id(request.Query, "parent_id"));
        return ApiResults.Ok(await artifacts.ListAsync(query, page, cancellationToken));
    }

    [Function("GetArtifact")]
    public async Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v1/artifacts/{id}")] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
    {
        var artifactId = UlidIds.Parse(id, "id");
        return ApiResults.Ok(await artifacts.GetAsync(artifactId, includeData: true, cancellationToken)
            ?? throw Refusals.NotFound("artifact", artifactId));
    }

    [Function("DownloadArtifact")]
    public async Task<IResult> Download(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v1/artifacts/{id}/$download")] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
    {
        var artifactId = UlidIds.Parse(id, "id");
        var (artifact, content) = await artifacts.OpenAsync(artifactId, cancellationToken)
            ?? throw Refusals.NotFound("artifact", artifactId);
        return TypedResults.Stream(content, artifact.ContentType, artifact.Id + DownloadExtension(artifact));
    }

    [Function("DeleteArtifact")]
    public async Task<IResult> Delete(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "v1/artifacts/{id}")] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
    {
        var artifactId = UlidIds.Parse(id, "id");
        return await artifacts.DeleteAsync(artifactId, cancellationToken)
            ? ApiResults.NoContent()
            : throw Refusals.NotFound("artifact", artifactId);
    }

    /// <summary>The download's file name is the id with an extension for what the content is.</summary>
    private static string DownloadExtension(Artifact artifact) =>
        artifact.IsJson ? ".json" : artifact.ContentType.StartsWith("text/", StringComparison.Ordinal) ? ".txt" : ".bin";
}
