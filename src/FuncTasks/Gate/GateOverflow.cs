using Azure;
using Azure.Data.Tables;
using FuncTasks.Storage;

namespace FuncTasks.Gate;

/// <summary>
/// The gate's waiters past the head of its queue, one table row each (RowKey = job id, so a range read comes back in
/// submission order). The entity's state is read and written whole on every batch, so a queue kept there makes every
/// batch slower as it grows (at 10,000 waiters the state is ~280 KiB and a batch takes twice as long); here a waiter
/// costs the gate one row write when it arrives and a share of one range read when it moves up to the head.
/// Only the gate entity writes these rows.
/// </summary>
public sealed class GateOverflow(StorageAccount storage)
{
    private const string Partition = "app";
    private static readonly string[] KeyOnly = ["RowKey"];
    private readonly TableClient table = storage.GateOverflow;

    /// <summary>Adds the waiter; false when it is there already (a repeated acquire).</summary>
    public async Task<bool> TryAddAsync(string jobId)
    {
        try
        {
            await table.AddEntityAsync(new TableEntity(Partition, jobId));
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    /// <summary>Takes the waiter out; false when it was not there.</summary>
    public async Task<bool> RemoveAsync(string jobId)
    {
        using var response = await table.DeleteEntityAsync(Partition, jobId, ETag.All);
        return response.Status != 404;
    }

    /// <summary>The first <paramref name="count"/> waiters after <paramref name="after"/>, in submission order.</summary>
    public async Task<List<string>> ReadAfterAsync(string after, int count)
    {
        var ids = new List<string>(count);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey gt {after}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(count, 1000), select: KeyOnly))
        {
            ids.Add(row.RowKey);
            if (ids.Count == count)
            {
                break;
            }
        }

        return ids;
    }

    /// <summary>Deletes the rows up to and including <paramref name="through"/>: waiters that have moved to the head.</summary>
    public async Task DeleteThroughAsync(string through)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey le {through}");
        var moved = new List<TableTransactionAction>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter, select: KeyOnly))
        {
            moved.Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(Partition, row.RowKey), ETag.All));
        }

        // A transaction holds at most 100 actions, all of one partition.
        foreach (var chunk in moved.Chunk(100))
        {
            try
            {
                await table.SubmitTransactionAsync(chunk);
            }
            catch (TableTransactionFailedException)
            {
                // One of them is gone already (a run of the gate the backend discarded deleted it): delete the rest one by one.
                foreach (var action in chunk)
                {
                    using var _ = await table.DeleteEntityAsync(Partition, action.Entity.RowKey, ETag.All);
                }
            }
        }
    }
}
