using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace FuncTasks.Benchmarks.Hosted;

/// <summary>
/// Every storage request one Azurite answered, from its access log (<c>AzuriteServer.StartAsync(accessLog)</c>), stamped
/// when the line arrived here: counts over a time window, and by kind. Azurite writes the line when it answers, so this
/// counts requests of every process on that Azurite alike (a Functions host and its worker, which cannot be traced from
/// here), and nothing else: a request the SDK retries counts each time it reaches Azurite.
/// </summary>
internal sealed partial class StorageRequestLog
{
    private readonly ConcurrentQueue<(DateTimeOffset At, string Method, string Url)> requests = new();
    private string[] names = [];

    /// <summary>Names to fold into <c>{app}</c> in the kinds (the app's task hub, its table prefix, its host id), known once the app runs.</summary>
    public void Fold(params string[] appNames) => names = [.. appNames.Where(n => n.Length > 0).OrderByDescending(n => n.Length)];

    /// <summary>For <c>AzuriteServer.StartAsync</c>: takes one line of Azurite's output; lines that are not requests are ignored.</summary>
    public void Take(string line)
    {
        var match = RequestLine().Match(line);
        if (match.Success)
        {
            requests.Enqueue((DateTimeOffset.UtcNow, match.Groups["method"].Value, match.Groups["url"].Value));
        }
    }

    public int Count(DateTimeOffset from, DateTimeOffset to) => requests.Count(r => r.At >= from && r.At < to);

    /// <summary>
    /// One app's requests (those whose URL holds one of <paramref name="appNames"/>, and table batches, whose URL names no
    /// table: an idle app writes none) inside any of the windows, by kind. A window's ends are stamps of this machine's
    /// clock; a request counts when its log line arrived (a few ms late).
    /// </summary>
    public IReadOnlyList<(string Kind, int Count)> ByKind(IReadOnlyList<(DateTimeOffset From, DateTimeOffset To)> windows, IReadOnlyList<string> appNames) =>
    [
        .. requests
            .Where(r => (r.Url.Contains("$batch", StringComparison.Ordinal) || appNames.Any(n => r.Url.Contains(n, StringComparison.OrdinalIgnoreCase)))
                        && windows.Any(w => r.At >= w.From && r.At < w.To))
            .GroupBy(r => Kind(r.Method, r.Url)).Select(g => (g.Key, g.Count())).OrderByDescending(k => k.Item2),
    ];

    /// <summary>Requests in [from, to) by kind (method and resource with ids folded), the most first.</summary>
    public IReadOnlyList<(string Kind, int Count)> ByKind(DateTimeOffset from, DateTimeOffset to) =>
        [.. requests.Where(r => r.At >= from && r.At < to).GroupBy(r => Kind(r.Method, r.Url)).Select(g => (g.Key, g.Count())).OrderByDescending(k => k.Item2)];

    /// <summary>
    /// A request's kind: its method and resource, with the account, the app's own names, keys and blob names folded so that
    /// the same operation on different rows counts as one kind (for example <c>GET {hub}-control-NN/messages</c>,
    /// <c>POST $batch</c>, <c>GET {prefix}jobs()</c>, <c>PUT {hub}-leases/… comp=lease</c>).
    /// </summary>
    private string Kind(string method, string url)
    {
        var q = url.IndexOf('?', StringComparison.Ordinal);
        var query = q >= 0 ? url[(q + 1)..] : string.Empty;
        var path = Uri.UnescapeDataString(q >= 0 ? url[..q] : url);
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToArray(); // the account first
        foreach (var name in names)
        {
            for (var i = 0; i < segments.Length; i++)
            {
                segments[i] = segments[i].Replace(name, "{app}", StringComparison.OrdinalIgnoreCase);
            }
        }

        var resource = segments.Length switch
        {
            0 => "(account)",
            1 => KeyPart().Replace(segments[0], "()"),
            _ when segments[^1] == "messages" || (segments.Length == 3 && segments[1] == "messages") => $"{PartitionNumber().Replace(segments[0], "-NN")}/messages{(segments.Length == 3 ? "/{id}" : string.Empty)}",
            _ => $"{segments[0]}/…", // a blob: its container
        };
        var comp = CompParameter().Match(query) is { Success: true } c ? $" comp={c.Groups[1].Value}" : string.Empty;
        return $"{method} {resource}{comp}";
    }

    [GeneratedRegex("\"(?<method>[A-Z]+) (?<url>\\S+) HTTP/[0-9.]+\"")]
    private static partial Regex RequestLine();

    [GeneratedRegex("\\(.*\\)")]
    private static partial Regex KeyPart();

    [GeneratedRegex("-[0-9]{2}$")]
    private static partial Regex PartitionNumber();

    [GeneratedRegex("(?:^|&)comp=([a-z]+)")]
    private static partial Regex CompParameter();
}
