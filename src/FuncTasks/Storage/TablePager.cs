using Azure.Data.Tables;
using FuncTasks.Api;

namespace FuncTasks.Storage;

/// <summary>
/// Cursor paging over one table partition in RowKey order. Filters Table storage cannot express are
/// applied here; a page then stops after <see cref="MaxRowsScanned"/> rows and its cursor resumes
/// the scan, so no request reads an unbounded number of rows.
/// </summary>
public static class TablePager
{
    public const int MaxRowsScanned = 1000;

    public static async Task<ListPage<T>> ReadAsync<T>(
        TableClient table,
        string partitionKey,
        string? serverFilter,
        PageRequest page,
        Func<TableEntity, T?> map,
        CancellationToken cancellationToken)
        where T : class
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}");
        if (page.AfterKey is { } after)
        {
            filter += " and " + TableClient.CreateQueryFilter($"RowKey gt {after}");
        }

        if (!string.IsNullOrEmpty(serverFilter))
        {
            filter += " and (" + serverFilter + ")";
        }

        var items = new List<T>(page.Limit);
        string? lastKeyOfPage = null;
        string? lastScanned = null;
        var scanned = 0;
        var maxPerPage = Math.Min(MaxRowsScanned, page.Limit + 1);
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, maxPerPage, cancellationToken: cancellationToken))
        {
            if (map(entity) is { } item)
            {
                if (items.Count == page.Limit)
                {
                    // A further match exists: the page is full and the next one starts after it.
                    return new ListPage<T>(items, Cursor.Encode(lastKeyOfPage!));
                }

                items.Add(item);
                lastKeyOfPage = entity.RowKey;
            }

            lastScanned = entity.RowKey;
            if (++scanned >= MaxRowsScanned && items.Count < page.Limit)
            {
                return new ListPage<T>(items, Cursor.Encode(lastScanned));
            }
        }

        return new ListPage<T>(items, null);
    }
}
