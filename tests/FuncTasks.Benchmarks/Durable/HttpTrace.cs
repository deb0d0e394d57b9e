using System.Collections.Concurrent;
using System.Diagnostics;

namespace FuncTasks.Benchmarks.Durable;

/// <summary>One HTTP request the process made to Azurite: which service and resource, what kind of call, when, how long.</summary>
internal sealed record StorageRequest(DateTimeOffset Start, double Milliseconds, string Service, string Resource, string Kind, int Status);

/// <summary>
/// Records every outgoing HTTP request of the process while it is alive, through the runtime's own
/// <c>System.Net.Http</c> ActivitySource (the Azure SDK clients of the app and of the durable backend both send
/// through HttpClient). Used only in the traced pass of <c>job-latency</c>, never while its main figures are taken.
/// </summary>
internal sealed class HttpTrace : IDisposable
{
    private readonly ActivityListener listener;
    private readonly ConcurrentQueue<StorageRequest> requests = new();
    private readonly int blobPort;
    private readonly int queuePort;
    private readonly int tablePort;

    public HttpTrace(int blobPort, int queuePort, int tablePort)
    {
        this.blobPort = blobPort;
        this.queuePort = queuePort;
        this.tablePort = tablePort;
        listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "System.Net.Http",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = Record,
        };
        ActivitySource.AddActivityListener(listener);
    }

    public IReadOnlyCollection<StorageRequest> Requests => requests;

    public void Dispose() => listener.Dispose();

    private void Record(Activity activity)
    {
        if (activity.GetTagItem("url.full") is not string url || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return;
        }

        var method = activity.GetTagItem("http.request.method") as string ?? "?";
        var status = activity.GetTagItem("http.response.status_code") is { } code ? Convert.ToInt32(code, System.Globalization.CultureInfo.InvariantCulture) : 0;
        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var first = segments.Length > 1 ? Uri.UnescapeDataString(segments[1]) : string.Empty;
        string service, resource, kind;
        if (uri.Port == tablePort)
        {
            service = "table";
            var paren = first.IndexOf('(', StringComparison.Ordinal);
            resource = paren >= 0 ? first[..paren] : first;
            var keyed = paren >= 0 && first.Length > paren + 2;
            kind = (method, keyed) switch
            {
                ("GET", true) => "read",
                ("GET", false) => "query",
                ("PUT", true) => "replace",
                ("MERGE" or "PATCH", true) => "merge",
                ("DELETE", _) => "delete",
                ("POST", _) when resource == "$batch" => "batch",
                ("POST", _) => "insert",
                _ => method.ToLowerInvariant(),
            };
        }
        else if (uri.Port == queuePort)
        {
            service = "queue";
            resource = first;
            var onMessages = segments.Length > 2 && segments[2] == "messages";
            kind = (method, onMessages, segments.Length > 3) switch
            {
                ("GET", true, _) => "get messages",
                ("POST", true, _) => "put message",
                ("DELETE", true, true) => "delete message",
                ("PUT", true, true) => "update message",
                _ => method.ToLowerInvariant(),
            };
        }
        else if (uri.Port == blobPort)
        {
            service = "blob";
            resource = first;
            kind = method switch
            {
                "PUT" when uri.Query.Contains("comp=lease", StringComparison.Ordinal) => "lease",
                "PUT" => segments.Length > 2 ? "upload" : "container put",
                "GET" or "HEAD" => segments.Length > 2 ? "download" : "list",
                _ => method.ToLowerInvariant(),
            };
        }
        else
        {
            return; // the in-process TestServer, or anything else that is not storage
        }

        requests.Enqueue(new StorageRequest(new DateTimeOffset(activity.StartTimeUtc, TimeSpan.Zero), activity.Duration.TotalMilliseconds, service, resource, kind, status));
    }
}
