using Azure;
using FuncTasks.Storage;
using Microsoft.AspNetCore.Http;

namespace FuncTasks.Api;

/// <summary>Optimistic concurrency over HTTP: the request's <c>If-Match</c>, checked against a stored version.</summary>
public static class IfMatch
{
    /// <summary>The request's If-Match values (comma-joined), or null when it sent none.</summary>
    public static string? From(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Headers.IfMatch.Count == 0 ? null : string.Join(",", request.Headers.IfMatch.ToArray());
    }

    /// <summary>A 412 when an If-Match was sent and does not match <paramref name="current"/>, the version of the <paramref name="what"/>.</summary>
    public static void Ensure(string? ifMatch, ETag current, string what)
    {
        if (ifMatch is not null && !HttpETags.Matches(ifMatch, current))
        {
            throw Refusals.PreconditionFailed($"If-Match does not match the {what}'s current ETag; GET it again and retry.");
        }
    }
}
