using Azure.Data.Tables;

namespace FuncTasks.Benchmarks.Hosted;

/// <summary>One orchestration instance as the Azure Storage backend records it in <c>{hub}Instances</c>.</summary>
internal sealed record InstanceRow(string Id, string RuntimeStatus, DateTimeOffset? CreatedTime, DateTimeOffset? CompletedTime);

/// <summary>
/// Reads a task hub's instance table straight from Azurite (the Functions host's Durable extension runs the same Azure
/// Storage backend as the test engine): for the end of a burst, the same query for both apps, without going through
/// either app.
/// </summary>
internal sealed class InstanceTable(string connectionString, string taskHub)
{
    private static readonly string[] Columns = ["PartitionKey", "RuntimeStatus", "CreatedTime", "CompletedTime"];
    private readonly TableClient table = new TableServiceClient(connectionString).GetTableClient(taskHub + "Instances");

    public async Task<Dictionary<string, InstanceRow>> ReadAsync(CancellationToken ct)
    {
        var rows = new Dictionary<string, InstanceRow>(StringComparer.Ordinal);
        await foreach (var entity in table.QueryAsync<TableEntity>(select: Columns, cancellationToken: ct))
        {
            rows[entity.PartitionKey] = new InstanceRow(
                entity.PartitionKey,
                entity.GetString("RuntimeStatus") ?? "?",
                entity.GetDateTimeOffset("CreatedTime"),
                entity.GetDateTimeOffset("CompletedTime"));
        }

        return rows;
    }
}
