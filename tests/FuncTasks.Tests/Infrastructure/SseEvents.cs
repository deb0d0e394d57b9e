using System.Text;

namespace FuncTasks.Tests.Infrastructure;

public sealed record SseEvent(string Name, string Data);

/// <summary>Reads a text/event-stream response into events (comments are counted, not returned).</summary>
public static class SseEvents
{
    public static async Task<List<SseEvent>> ReadAllAsync(HttpResponseMessage response, TimeSpan timeout, Action<SseEvent>? onEvent = null, Action<string>? onComment = null)
    {
        using var cts = new CancellationTokenSource(timeout);
        await using var stream = await response.Content.ReadAsStreamAsync(cts.Token);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var events = new List<SseEvent>();
        string? name = null;
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(cts.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if (name is not null || data.Length > 0)
                {
                    var item = new SseEvent(name ?? "message", data.ToString());
                    events.Add(item);
                    onEvent?.Invoke(item);
                }

                name = null;
                data.Clear();
            }
            else if (line.StartsWith(':'))
            {
                onComment?.Invoke(line);
            }
            else if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                name = line["event:".Length..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data.Append(line["data:".Length..].TrimStart());
            }
        }

        return events;
    }
}
