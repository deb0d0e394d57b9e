using FuncTasks.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Net.Http.Headers;

namespace FuncTasks.Artifacts;

/// <summary>HTTP triggers for artifacts: list, get (with the JSON value), download, delete.</summary>
public sealed class ArtifactsApi(ArtifactStore artifacts)
{
    [Function("ListArtifacts")]
    public async Task<IActionResult> List(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v1/artifacts")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var page = PageRequest.FromQuery(request.Query);
        var query = new ArtifactQuery(
            QueryFilters.Id(request.Query, "job_id"),
            QueryFilters.Id(request.Query, "task_id"),
            QueryFilters.Id(request.Query, "parent_id"));
        return ApiResults.Ok(await artifacts.ListAsync(query, page, cancellationToken).ConfigureAwait(false));
    }

    [Function("GetArtifact")]
    public async Task<IActionResult> Get(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v1/artifacts/{id}")] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
    {
        var artifactId = UlidIds.Parse(id, "id");
        return ApiResults.Ok(await artifacts.GetAsync(artifactId, includeData: true, cancellationToken).ConfigureAwait(false)
            ?? throw Refusals.NotFound("artifact", artifactId));
    }

    [Function("DownloadArtifact")]
    public async Task<IActionResult> Download(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v1/artifacts/{id}/$download")] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
    {
        var artifactId = UlidIds.Parse(id, "id");
        var (artifact, content) = await artifacts.OpenAsync(artifactId, cancellationToken).ConfigureAwait(false)
            ?? throw Refusals.NotFound("artifact", artifactId);
        return new DownloadResult(artifact, content);
    }

    [Function("DeleteArtifact")]
    public async Task<IActionResult> Delete(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "v1/artifacts/{id}")] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
    {
        var artifactId = UlidIds.Parse(id, "id");
        return await artifacts.DeleteAsync(artifactId, cancellationToken).ConfigureAwait(false)
            ? ApiResults.NoContent()
            : throw Refusals.NotFound("artifact", artifactId);
    }

    /// <summary>Streams the raw content with its content type, length and a file name.</summary>
    private sealed class DownloadResult(Artifact artifact, Stream content) : IActionResult
    {
        public async Task ExecuteResultAsync(ActionContext context)
        {
            await using (content.ConfigureAwait(false))
            {
                var response = context.HttpContext.Response;
                response.StatusCode = StatusCodes.Status200OK;
                response.ContentType = artifact.ContentType;
                response.ContentLength = artifact.SizeBytes;
                var extension = artifact.IsJson ? ".json" : artifact.ContentType.StartsWith("text/", StringComparison.Ordinal) ? ".txt" : ".bin";
                response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileName = artifact.Id + extension }.ToString();
                await content.CopyToAsync(response.Body, context.HttpContext.RequestAborted).ConfigureAwait(false);
            }
        }
    }
}
