using Azure.Data.Tables;
using Azure.Storage.Blobs;
using FuncTasks.Api;
using FuncTasks.Benchmarks.Harness;
using FuncTasks.Storage;
using FuncTasks.Tasks;
using FuncTasks.Testing;

namespace FuncTasks.Benchmarks.Store;

/// <summary>
/// <c>store</c>: TaskStore's create, point read and first page of 50 beside the same raw
/// Azure.Data.Tables calls on the same TableClient, against a real Azurite started for the run.
/// </summary>
internal sealed class StoreBenchmark : IBenchmarkCommand
{
    /// <summary>The issue's target: the store adds at most 20% over the raw SDK calls (ratio of medians).</summary>
    public const double TargetRatio = 1.20;

    public const int ListRows = 200;
    public const int PageSize = 50;

    private static int sink;

    public string Name => "store";

    public string Summary => "TaskStore create / get / page of 50 vs the same raw Azure.Data.Tables calls, on Azurite";

    public async Task<int> RunAsync(BenchmarkContext context)
    {
        var (options, report, ct) = (context.Options, context.Report, context.CancellationToken);
        string[] known = ["create", "get", "list"];
        if (options.Only.FirstOrDefault(name => !known.Contains(name, StringComparer.OrdinalIgnoreCase)) is { } unknown)
        {
            Console.Error.WriteLine($"store: --only knows {string.Join(", ", known)}, not '{unknown}'");
            return 2;
        }

        BenchmarkContext.Progress("starting Azurite (in memory, free ports)");
        await using var azurite = await AzuriteServer.StartAsync();
        BenchmarkContext.Progress($"Azurite listening, table port {azurite.TablePort}");

        // Writes go to their own tables so the table the reads and pages use holds exactly ListRows rows.
        var writes = await OpenAsync(azurite.ConnectionString, "benchwrite", ct);
        var reads = await OpenAsync(azurite.ConnectionString, "benchread", ct);
        var writeStore = new TaskStore(writes);
        var readStore = new TaskStore(reads);

        await CheckRawRowsMatchTheStoreAsync(writeStore, writes.Tasks, ct);
        var ids = await SeedAsync(readStore, ListRows, ct);

        var calls = ComparisonRunner.CallsPerSide(options);
        var comparisons = new List<Comparison>();
        if (options.Includes("create"))
        {
            comparisons.Add(Create(writeStore, writes.Tasks, calls));
        }

        if (options.Includes("get"))
        {
            comparisons.Add(Get(readStore, reads.Tasks, ids));
        }

        if (options.Includes("list"))
        {
            comparisons.Add(List(readStore, reads.Tasks));
        }

        foreach (var comparison in comparisons)
        {
            report.Add(await ComparisonRunner.RunAsync(comparison, options, ct));
        }

        report.Note("Both sides use the same TableClient (one HTTP pipeline and connection pool); only TaskStore's own work differs.");
        report.Note($"Rows alternate a shell task (env, 2 tags, timeout, retry) and a function task (params, 1 tag); the read table holds {ListRows} rows.");
        report.Note("Raw create writes a prepared TableEntity with the same 11 properties and values (checked at start); raw reads read every property with the typed getters.");
        BenchmarkContext.Progress($"checksum {sink} (keeps the reads from being optimized away)");

        BenchmarkContext.Progress("stopping Azurite");
        return 0;
    }

    private static async Task<StorageAccount> OpenAsync(string connectionString, string prefix, CancellationToken ct)
    {
        var storage = new StorageAccount(new TableServiceClient(connectionString), new BlobServiceClient(connectionString), prefix);
        await storage.EnsureCreatedAsync(ct);
        return storage;
    }

    /// <summary>1. TaskStore.CreateAsync vs TableClient.AddEntityAsync of the equivalent entity; ids are made beforehand.</summary>
    private static Comparison Create(TaskStore store, TableClient table, int calls)
    {
        // Ids are made in pairs, so both sides' keys grow together and each insert lands at the end
        // of the key range, as new ULIDs do in production.
        var storeTasks = new TaskDefinition[calls];
        var rawIds = new string[calls];
        for (var i = 0; i < calls; i++)
        {
            storeTasks[i] = SampleTasks.For(i, NewId());
            rawIds[i] = NewId();
        }

        var rawRows = SampleTasks.Templates.Select(RawTaskRow.From).ToArray();

        return new Comparison(
            "create",
            "insert one task row",
            new Operation("raw AddEntityAsync", async (i, ct) =>
            {
                var response = await table.AddEntityAsync(rawRows[i % rawRows.Length].ToEntity(rawIds[i]), ct);
                sink += response.Headers.ETag?.GetHashCode() ?? throw new InvalidOperationException("no ETag");
            }),
            new Operation("TaskStore.CreateAsync", async (i, ct) =>
            {
                var created = await store.CreateAsync(storeTasks[i], ct) ?? throw new InvalidOperationException("create conflicted");
                sink += created.Version.GetHashCode();
            }),
            TargetRatio);
    }

    /// <summary>2. TaskStore.GetAsync vs GetEntityIfExistsAsync&lt;TableEntity&gt; + reading the properties, cycling through the seeded ids.</summary>
    private static Comparison Get(TaskStore store, TableClient table, string[] ids) => new(
        "get",
        "point read of one task by id",
        new Operation("raw GetEntityIfExistsAsync", async (i, ct) =>
        {
            var response = await table.GetEntityIfExistsAsync<TableEntity>(RawTaskRow.Partition, ids[i % ids.Length], cancellationToken: ct);
            sink += response.HasValue ? RawTaskRow.Read(response.Value!) : throw new InvalidOperationException("row missing");
        }),
        new Operation("TaskStore.GetAsync", async (i, ct) =>
        {
            var task = await store.GetAsync(ids[i % ids.Length], ct) ?? throw new InvalidOperationException("task missing");
            sink += task.Value.Command.Length;
        }),
        TargetRatio);

    /// <summary>3. The first page of 50 with no filter: TaskStore.ListAsync vs QueryAsync (51 a page) taking 50.</summary>
    private static Comparison List(TaskStore store, TableClient table)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {RawTaskRow.Partition}");
        var query = new TaskQuery(null, null, []);
        var page = new PageRequest(PageSize, null);
        return new Comparison(
            "list",
            $"first page of {PageSize} from {ListRows} rows",
            new Operation("raw QueryAsync (take 50)", async (_, ct) =>
            {
                var count = 0;
                await foreach (var entity in table.QueryAsync<TableEntity>(filter, maxPerPage: PageSize + 1, cancellationToken: ct))
                {
                    sink += RawTaskRow.Read(entity);
                    if (++count == PageSize)
                    {
                        break;
                    }
                }

                if (count != PageSize)
                {
                    throw new InvalidOperationException($"raw query returned {count} rows");
                }
            }),
            new Operation("TaskStore.ListAsync", async (_, ct) =>
            {
                var result = await store.ListAsync(query, page, ct);
                if (result.Items.Count != PageSize || result.NextCursor is null)
                {
                    throw new InvalidOperationException($"store returned {result.Items.Count} items");
                }

                sink += result.Items.Count;
            }),
            TargetRatio);
    }

    private static async Task<string[]> SeedAsync(TaskStore store, int rows, CancellationToken ct)
    {
        BenchmarkContext.Progress($"seeding {rows} tasks");
        var ids = new string[rows];
        for (var i = 0; i < rows; i++)
        {
            ids[i] = NewId();
            _ = await store.CreateAsync(SampleTasks.For(i, ids[i]), ct) ?? throw new InvalidOperationException("seed conflicted");
        }

        return ids;
    }

    /// <summary>
    /// Keeps the comparison fair: for each sample task, the row the raw side writes must hold the same
    /// properties, types and values as the row TaskStore writes, and the store must read it back.
    /// </summary>
    private static async Task CheckRawRowsMatchTheStoreAsync(TaskStore store, TableClient table, CancellationToken ct)
    {
        for (var i = 0; i < SampleTasks.Templates.Count; i++)
        {
            var (storeId, rawId) = (NewId(), NewId());
            _ = await store.CreateAsync(SampleTasks.For(i, storeId), ct);
            await table.AddEntityAsync(RawTaskRow.From(SampleTasks.Templates[i]).ToEntity(rawId), ct);

            var written = (await table.GetEntityAsync<TableEntity>(RawTaskRow.Partition, storeId, cancellationToken: ct)).Value;
            var raw = (await table.GetEntityAsync<TableEntity>(RawTaskRow.Partition, rawId, cancellationToken: ct)).Value;
            foreach (var key in written.Keys.Union(raw.Keys).Where(k => k is not ("RowKey" or "Timestamp" or "odata.etag")))
            {
                written.TryGetValue(key, out var expected);
                raw.TryGetValue(key, out var actual);
                if (!Equals(expected, actual))
                {
                    throw new InvalidOperationException($"raw row differs from the store's in '{key}': '{expected}' vs '{actual}'");
                }
            }

            var readBack = await store.GetAsync(rawId, ct) ?? throw new InvalidOperationException("raw row not readable by the store");
            if (readBack.Value != SampleTasks.For(i, rawId) with { Env = readBack.Value.Env, Tags = readBack.Value.Tags, Params = readBack.Value.Params })
            {
                throw new InvalidOperationException("the store read the raw row back differently");
            }
        }
    }

    private static string NewId() => UlidIds.New(TimeProvider.System);
}
