using Azure;
using Azure.Data.Tables;

namespace FuncTasks.Storage;

/// <summary>How a conditional write of a row ended.</summary>
public enum WriteOutcome
{
    Written,
    NotFound,
    Stale,
}

/// <summary>
/// The conditional writes behind a resource clients version with ETags (tasks, schedules): insert if absent, replace
/// or delete if still at a version, with storage's answers turned into outcomes once, here.
/// </summary>
public static class VersionedRows
{
    /// <summary>Inserts the row; its version, or null when a row with its keys exists.</summary>
    public static async Task<ETag?> TryAddAsync(TableClient table, ITableEntity entity, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        try
        {
            var response = await table.AddEntityAsync(entity, cancellationToken);
            return response.Headers.ETag ?? default;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return null;
        }
    }

    /// <summary>Replaces the row if it is still at <paramref name="expected"/>.</summary>
    public static async Task<(WriteOutcome Outcome, ETag Version)> ReplaceAsync(TableClient table, ITableEntity entity, ETag expected, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        try
        {
            var response = await table.UpdateEntityAsync(entity, expected, TableUpdateMode.Replace, cancellationToken);
            return (WriteOutcome.Written, response.Headers.ETag ?? default);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return (WriteOutcome.NotFound, default);
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            return (WriteOutcome.Stale, default);
        }
    }

    /// <summary>Deletes the row if it is still at <paramref name="expected"/>.</summary>
    public static async Task<WriteOutcome> DeleteAsync(TableClient table, string partitionKey, string rowKey, ETag expected, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        try
        {
            var response = await table.DeleteEntityAsync(partitionKey, rowKey, expected, cancellationToken);
            // Table storage answers 204 for a missing row when no ETag is required; treat it as not found.
            return response.Status == 404 ? WriteOutcome.NotFound : WriteOutcome.Written;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return WriteOutcome.NotFound;
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            return WriteOutcome.Stale;
        }
    }
}
