using Microsoft.AspNetCore.Http;

namespace FuncTasks.Idempotency;

/// <summary>
/// An HTTP answer as bytes: its status, the headers its result set (Content-Type, Location, ETag, Retry-After...) and
/// its body. The first answer to a keyed request is captured as one of these and written from it, so a replay answers
/// exactly what the first request was answered.
/// </summary>
public sealed record KeptAnswer(int Status, IReadOnlyDictionary<string, string> Headers, ReadOnlyMemory<byte> Body)
{
    public const string ReplayedHeader = "Idempotent-Replayed";

    /// <summary>Runs <paramref name="result"/> against a response of its own and keeps what it wrote.</summary>
    public static async Task<KeptAnswer> CaptureAsync(IResult result, HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(context);
        using var body = new MemoryStream();
        var capture = new DefaultHttpContext { RequestServices = context.RequestServices };
        capture.Request.Method = context.Request.Method;
        capture.Request.Scheme = context.Request.Scheme;
        capture.Request.Host = context.Request.Host;
        capture.Request.PathBase = context.Request.PathBase;
        capture.Request.Path = context.Request.Path;
        capture.Response.Body = body;
        await result.ExecuteAsync(capture);
        await capture.Response.CompleteAsync();
        var headers = capture.Response.Headers
            .Where(h => !string.Equals(h.Key, "Content-Length", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        return new KeptAnswer(capture.Response.StatusCode, headers, body.ToArray());
    }

    /// <summary>The answer as a result; a replay says so in <see cref="ReplayedHeader"/>.</summary>
    public IResult ToResult(bool replayed) => new Written(this, replayed);

    private sealed class Written(KeptAnswer answer, bool replayed) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            ArgumentNullException.ThrowIfNull(httpContext);
            var response = httpContext.Response;
            response.StatusCode = answer.Status;
            foreach (var (name, value) in answer.Headers)
            {
                response.Headers[name] = value;
            }

            if (replayed)
            {
                response.Headers[ReplayedHeader] = "true";
            }

            if (!answer.Body.IsEmpty)
            {
                response.ContentLength = answer.Body.Length;
                await response.Body.WriteAsync(answer.Body);
            }
        }
    }
}
