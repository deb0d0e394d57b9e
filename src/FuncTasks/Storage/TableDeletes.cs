using Azure;
using Azure.Data.Tables;

namespace FuncTasks.Storage;

/// <summary>Deletes rows of one partition in entity-group transactions (one request for up to <see cref="MaxPerTransaction"/> rows).</summary>
public static class TableDeletes
{
    /// <summary>The most operations Table storage takes in one transaction.</summary>
    public const int MaxPerTransaction = 100;

    /// <summary>
    /// Deletes the rows <paramref name="rowKeys"/> (at most <see cref="MaxPerTransaction"/>) of <paramref name="partition"/>,
    /// whatever their ETag, and returns how many existed. One transaction when all exist; when one is already gone the
    /// transaction fails whole (it is all or nothing), and the rows are deleted one by one instead.
    /// </summary>
    public static async Task<int> DeleteAsync(TableClient table, string partition, IReadOnlyCollection<string> rowKeys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(rowKeys);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rowKeys.Count, MaxPerTransaction);
        if (rowKeys.Count == 0)
        {
            return 0;
        }

        try
        {
            await table.SubmitTransactionAsync(
                rowKeys.Select(key => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partition, key), ETag.All)),
                cancellationToken);
            return rowKeys.Count;
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 404)
        {
            var deleted = 0;
            foreach (var key in rowKeys)
            {
                var response = await table.DeleteEntityAsync(partition, key, ETag.All, cancellationToken);
                deleted += response.Status == 404 ? 0 : 1;
            }

            return deleted;
        }
    }
}
