using Azure.Data.Tables;

namespace FuncTasks.Benchmarks.Durable;

/// <summary>One event of an orchestration's history, as the Azure Storage backend keeps it in <c>{hub}History</c>.</summary>
internal sealed record HistoryRow(long Sequence, string EventType, DateTimeOffset Timestamp, string? Name, int? TaskScheduledId, int? EventId);

/// <summary>
/// Reads the history of finished orchestrations straight from the task hub's history table. Every event carries
/// the time DurableTask.Core created it: ExecutionStarted when the client scheduled the instance, OrchestratorStarted
/// when an episode began (the control-queue message was picked up), TaskScheduled and EventSent in that episode,
/// TaskCompleted when the activity finished on its worker, EventRaised when the sender (an entity) answered,
/// ExecutionCompleted when the last episode ended. That gives a timeline per instance without changing the app.
/// </summary>
internal sealed class DurableHistory(string connectionString, string taskHub)
{
    private readonly TableClient table = new TableServiceClient(connectionString).GetTableClient(taskHub + "History");

    public async Task<IReadOnlyList<HistoryRow>> ReadAsync(string instanceId, CancellationToken ct)
    {
        var rows = new List<HistoryRow>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {instanceId}");
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, cancellationToken: ct))
        {
            if (entity.GetString("EventType") is not { } type)
            {
                continue; // the sentinel row
            }

            // The event's own time is stored as _Timestamp (Timestamp is the table's write time).
            var time = entity.GetDateTimeOffset("_Timestamp") ?? entity.GetDateTime("_Timestamp") ?? entity.Timestamp ?? default;
            rows.Add(new HistoryRow(
                SequenceOf(entity.RowKey),
                type,
                time,
                entity.GetString("Name"),
                entity.GetInt32("TaskScheduledId"),
                entity.GetInt32("EventId")));
        }

        return [.. rows.OrderBy(r => r.Sequence)];
    }

    /// <summary>Every property of every row, for finding out what the backend stores.</summary>
    public async Task<string> DumpAsync(string instanceId, CancellationToken ct)
    {
        var text = new System.Text.StringBuilder();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {instanceId}");
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, cancellationToken: ct))
        {
            text.AppendLine(string.Join(" | ", entity.Where(p => p.Key is not ("Input" or "Result" or "odata.etag")).Select(p => $"{p.Key}={p.Value}")));
        }

        return text.ToString();
    }

    private static long SequenceOf(string rowKey)
    {
        // RowKey is the event's position as 16 hex digits (older backends prefix it with "executionId:").
        var colon = rowKey.LastIndexOf(':');
        return long.TryParse(rowKey[(colon + 1)..], System.Globalization.NumberStyles.HexNumber, null, out var n) ? n : long.MaxValue;
    }
}
