using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using FuncTasks.Api;
using FuncTasks.Storage;
using Microsoft.Extensions.Options;

namespace FuncTasks.Idempotency;

/// <summary>A key this request holds: it alone may run the request and keep its answer (the row's ETag proves it).</summary>
public sealed record IdempotencyClaim(string KeyHash, string Fingerprint, ETag Version);

/// <summary>What claiming a key gave: the claim (run the request), or the answer kept for it (replay it).</summary>
public readonly record struct ClaimOutcome(IdempotencyClaim? Claim, KeptAnswer? Kept);

/// <summary>
/// Idempotency keys in Table storage, one row per key (RowKey = the key's SHA-256). The claim is a conditional insert,
/// so of any number of requests on any number of instances exactly one gets it. A claim is a lease of
/// <see cref="ClaimLease"/>: a claimer that died leaves a row whose lease runs out, and the next repeat takes it over
/// with a write conditional on the row's ETag (again exactly one wins). A kept answer lives for
/// <see cref="ApiOptions.IdempotencyHours"/>; after that the key is free again, and the sweep removes the row.
/// </summary>
public sealed class IdempotencyStore(StorageAccount storage, TimeProvider clock, IOptions<ApiOptions> api)
{
    /// <summary>How long a claim holds before another request may take the key over; the claimer's work is canceled at its end.</summary>
    public static readonly TimeSpan ClaimLease = TimeSpan.FromSeconds(60);

    private const string Partition = "key";
    private const string Claimed = "claimed";
    private const string Kept = "kept";

    // A Table property holds at most 64 KiB and an entity 1 MiB: larger answers go to a blob.
    private const int ChunkBytes = 64 * 1024;
    private const int MaxChunks = 14;

    private readonly TableClient table = storage.IdempotencyKeys;

    /// <summary>
    /// Claims the key for a request with this fingerprint, or returns the answer kept for it. Refuses with 422 when the key
    /// was used for another request, and 409 while another request holds it.
    /// </summary>
    public async Task<ClaimOutcome> ClaimAsync(string keyHash, string fingerprint, CancellationToken cancellationToken)
    {
        while (true)
        {
            var now = clock.GetUtcNow();
            var claim = new TableEntity(Partition, keyHash)
            {
                ["State"] = Claimed,
                ["Fingerprint"] = fingerprint,
                ["ClaimedUntil"] = now + ClaimLease,
                ["ExpiresAt"] = now + Lifetime,
            };
            try
            {
                var added = await table.AddEntityAsync(claim, cancellationToken);
                return new ClaimOutcome(new IdempotencyClaim(keyHash, fingerprint, added.Headers.ETag!.Value), null);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                // The key is known: decide by its row below.
            }

            var found = await table.GetEntityIfExistsAsync<TableEntity>(Partition, keyHash, cancellationToken: cancellationToken);
            if (!found.HasValue)
            {
                continue; // removed meanwhile (released or swept): claim it afresh
            }

            var row = found.Value!;
            var expired = row.GetDateTimeOffset("ExpiresAt") <= now;
            if (!expired && !string.Equals(row.GetString("Fingerprint"), fingerprint, StringComparison.Ordinal))
            {
                throw Refusals.IdempotencyKeyReused();
            }

            if (!expired && row.GetString("State") == Kept)
            {
                return new ClaimOutcome(null, await ReadAnswerAsync(row, cancellationToken));
            }

            if (!expired && row.GetDateTimeOffset("ClaimedUntil") > now)
            {
                throw Refusals.IdempotencyKeyInUse();
            }

            // Expired, or claimed by a request whose lease ran out (its worker died): take it over, if no one else did first.
            try
            {
                var replaced = await table.UpdateEntityAsync(claim, row.ETag, TableUpdateMode.Replace, cancellationToken);
                return new ClaimOutcome(new IdempotencyClaim(keyHash, fingerprint, replaced.Headers.ETag!.Value), null);
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404)
            {
                // Another request took it over (or it went) in between: look again.
            }
        }
    }

    /// <summary>Keeps the answer for the claimed key; false when the claim was lost (its lease ran out and another request took the key).</summary>
    public async Task<bool> KeepAsync(IdempotencyClaim claim, KeptAnswer answer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(answer);
        var row = new TableEntity(Partition, claim.KeyHash)
        {
            ["State"] = Kept,
            ["Fingerprint"] = claim.Fingerprint,
            ["ExpiresAt"] = clock.GetUtcNow() + Lifetime,
            ["Status"] = answer.Status,
            ["Headers"] = JsonSerializer.Serialize(answer.Headers),
        };
        if (answer.Body.Length > ChunkBytes * MaxChunks)
        {
            await storage.Artifacts.GetBlobClient(BlobName(claim.KeyHash)).UploadAsync(BinaryData.FromBytes(answer.Body), overwrite: true, cancellationToken);
            row["BodyInBlob"] = true;
        }
        else
        {
            for (var i = 0; i * ChunkBytes < answer.Body.Length; i++)
            {
                row["Body" + i] = answer.Body.Slice(i * ChunkBytes, Math.Min(ChunkBytes, answer.Body.Length - (i * ChunkBytes))).ToArray();
            }
        }

        try
        {
            await table.UpdateEntityAsync(row, claim.Version, TableUpdateMode.Replace, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            return false;
        }
    }

    /// <summary>Gives the key up (the request's answer is not kept): a repeat runs afresh. Only while the claim is still this request's.</summary>
    public async Task ReleaseAsync(IdempotencyClaim claim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        try
        {
            await table.DeleteEntityAsync(Partition, claim.KeyHash, claim.Version, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            // Taken over or gone already.
        }
    }

    /// <summary>Removes at most <paramref name="max"/> keys past their lifetime at <paramref name="now"/> (for the sweep); how many it removed.</summary>
    public async Task<int> DeleteExpiredAsync(DateTimeOffset now, int max, int parallelism, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and ExpiresAt lt {now}");
        var expired = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter, Math.Min(max, 1000), ["RowKey", "BodyInBlob"], cancellationToken))
        {
            expired.Add(row);
            if (expired.Count >= max)
            {
                break;
            }
        }

        var removed = 0;
        await Parallel.ForEachAsync(expired, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (row, ct) =>
        {
            try
            {
                // Conditional: a request that took an expired key over meanwhile keeps it.
                await table.DeleteEntityAsync(Partition, row.RowKey, row.ETag, ct);
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404)
            {
                return;
            }

            if (row.GetBoolean("BodyInBlob") == true)
            {
                await storage.Artifacts.DeleteBlobIfExistsAsync(BlobName(row.RowKey), cancellationToken: ct);
            }

            Interlocked.Increment(ref removed);
        });
        return removed;
    }

    private TimeSpan Lifetime => TimeSpan.FromHours(api.Value.IdempotencyHours);

    private static string BlobName(string keyHash) => "idempotency/" + keyHash;

    private async Task<KeptAnswer> ReadAnswerAsync(TableEntity row, CancellationToken cancellationToken)
    {
        var headers = JsonSerializer.Deserialize<Dictionary<string, string>>(row.GetString("Headers") ?? "{}") ?? [];
        ReadOnlyMemory<byte> body;
        if (row.GetBoolean("BodyInBlob") == true)
        {
            body = (await storage.Artifacts.GetBlobClient(BlobName(row.RowKey)).DownloadContentAsync(cancellationToken)).Value.Content.ToMemory();
        }
        else
        {
            using var buffer = new MemoryStream();
            for (var i = 0; row.GetBinary("Body" + i) is { } chunk; i++)
            {
                buffer.Write(chunk);
            }

            body = buffer.ToArray();
        }

        return new KeptAnswer(row.GetInt32("Status") ?? 200, headers, body);
    }
}
