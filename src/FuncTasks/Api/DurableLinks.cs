using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;
using Microsoft.DurableTask.Client;

namespace FuncTasks.Api;

/// <summary>The Durable management URLs of an instance, as the contract's <c>durable</c> object.</summary>
public sealed record DurableManagementUrls(
    [property: System.Text.Json.Serialization.JsonPropertyName("id")] string Id,
    [property: System.Text.Json.Serialization.JsonPropertyName("statusQueryGetUri")] string StatusQueryGetUri,
    [property: System.Text.Json.Serialization.JsonPropertyName("sendEventPostUri")] string SendEventPostUri,
    [property: System.Text.Json.Serialization.JsonPropertyName("terminatePostUri")] string TerminatePostUri,
    [property: System.Text.Json.Serialization.JsonPropertyName("purgeHistoryDeleteUri")] string PurgeHistoryDeleteUri,
    [property: System.Text.Json.Serialization.JsonPropertyName("suspendPostUri")] string SuspendPostUri,
    [property: System.Text.Json.Serialization.JsonPropertyName("resumePostUri")] string ResumePostUri);

/// <summary>
/// Builds the management URLs with the Durable SDK from the caller's own scheme, host and port (under
/// the host the client adds the task hub, connection and system key). The SDK reads only the request
/// URL, so the ASP.NET Core request is handed over through a minimal <see cref="HttpRequestData"/>.
/// </summary>
public static class DurableLinks
{
    private static readonly JsonSerializerOptions CaseInsensitive = new() { PropertyNameCaseInsensitive = true };

    public static DurableManagementUrls For(DurableTaskClient client, string instanceId, HttpRequest request, FunctionContext context)
    {
        var payload = client.CreateHttpManagementPayload(instanceId, new RequestUrl(context, request));
        var json = JsonSerializer.SerializeToElement(payload);
        return json.Deserialize<DurableManagementUrls>(CaseInsensitive)!;
    }

    private sealed class RequestUrl(FunctionContext context, HttpRequest request) : HttpRequestData(context)
    {
        public override Stream Body => Stream.Null;
        public override HttpHeadersCollection Headers { get; } = [];
        public override IReadOnlyCollection<IHttpCookie> Cookies => [];
        public override Uri Url { get; } = new($"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}{request.QueryString}");
        public override IEnumerable<ClaimsIdentity> Identities => [];
        public override string Method => request.Method;
        public override HttpResponseData CreateResponse() => throw new NotSupportedException();
    }
}
