using System.Buffers;
using System.Text;
using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace FuncTasks.Output;

/// <summary>
/// One append blob of a job's log and what waits to go into it. Appends (under the writer's lock) never wait for
/// storage: they go to memory, and past <see cref="MemoryLimit"/> to a temporary file, so a command that prints
/// faster than storage takes it runs at full speed in bounded memory. <see cref="UploadAsync"/> (the writer's flush
/// loop, one caller at a time) moves what is waiting to the blob. Past <c>cap</c> bytes the rest is only counted.
/// </summary>
internal sealed class StagedLog(AppendBlobClient blob, long cap) : IDisposable
{
    /// <summary>Bytes held in memory before they go to a file instead.</summary>
    public const int MemoryLimit = 1 << 20;

    private const int BlockBytes = 4 << 20;
    private const string CompleteKey = "complete";
    private static readonly BlobHttpHeaders TextHeaders = new() { ContentType = "text/plain; charset=utf-8" };

    private MemoryStream memory = new();
    private byte[]? taken;
    private FileStream? spill;
    private FileStream? spillReader;
    private long spillWritten;
    private long spillUploaded;
    private bool created;

    public long Accepted { get; private set; }

    public long Dropped { get; private set; }

    public AppendBlobClient Blob => blob;

    /// <summary>Adds output (valid UTF-8); past the cap it is counted as dropped, and the first time a note says so.</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        var left = cap - Accepted;
        if (data.Length <= left)
        {
            Write(data);
            Accepted += data.Length;
            return;
        }

        // Cut at a character boundary, so the log stays valid UTF-8.
        var keep = (int)Math.Max(0, left);
        while (keep > 0 && (data[keep] & 0xC0) == 0x80)
        {
            keep--;
        }

        Write(data[..keep]);
        Accepted += keep;
        if (Dropped == 0)
        {
            Write(Encoding.UTF8.GetBytes($"\n[functasks] the log reached its limit of {cap} bytes (FuncTasks:Execution:LogMaxBytes); later output is dropped from it (the result artifact keeps the whole output)\n"));
        }

        Dropped += data.Length - keep;
    }

    /// <summary>Writes a line that does not count against the cap (the notes of the log itself).</summary>
    public void AppendNote(string note) => Write(Encoding.UTF8.GetBytes(note));

    /// <summary>Sends what is waiting to the blob (creating it the first time). On a storage error the rest stays waiting for the next call.</summary>
    public async Task UploadAsync(object sync, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(sync, cancellationToken);
        long spillEnd;
        lock (sync)
        {
            if (taken is null && memory.Length > 0 && spill is null)
            {
                taken = memory.ToArray();
                memory.SetLength(0);
            }

            spill?.Flush();
            spillEnd = spillWritten;
        }

        if (taken is not null)
        {
            await blob.AppendBlockAsync(new MemoryStream(taken, writable: false), cancellationToken: cancellationToken);
            taken = null;
        }

        if (spillUploaded >= spillEnd)
        {
            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(BlockBytes);
        try
        {
            while (spillUploaded < spillEnd)
            {
                var count = (int)Math.Min(BlockBytes, spillEnd - spillUploaded);
                spillReader!.Position = spillUploaded;
                await spillReader.ReadExactlyAsync(buffer.AsMemory(0, count), cancellationToken);
                await blob.AppendBlockAsync(new MemoryStream(buffer, 0, count, writable: false), cancellationToken: cancellationToken);
                spillUploaded += count;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Marks the blob as complete (the job's writer has written all it will), for readers that follow it.</summary>
    public Task SealAsync(CancellationToken cancellationToken) =>
        blob.SetMetadataAsync(new Dictionary<string, string> { [CompleteKey] = "true" }, cancellationToken: cancellationToken);

    /// <summary>Whether a blob's metadata says its writer has finished.</summary>
    public static bool IsComplete(IDictionary<string, string> metadata) =>
        metadata.TryGetValue(CompleteKey, out var value) && value == "true";

    public void Dispose()
    {
        spillReader?.Dispose();
        spill?.Dispose();
        memory.Dispose();
    }

    /// <summary>
    /// Creates the blob, or finds it from an earlier attempt: then its length counts against the cap (from the first
    /// upload on), and its complete mark goes until this attempt ends.
    /// </summary>
    private async Task EnsureCreatedAsync(object sync, CancellationToken cancellationToken)
    {
        if (created)
        {
            return;
        }

        var made = await blob.CreateIfNotExistsAsync(new AppendBlobCreateOptions { HttpHeaders = TextHeaders }, cancellationToken);
        if (made is null)
        {
            var existing = await blob.GetPropertiesAsync(cancellationToken: cancellationToken);
            await blob.SetMetadataAsync(new Dictionary<string, string>(), cancellationToken: cancellationToken);
            lock (sync)
            {
                Accepted = Math.Min(cap, Accepted + existing.Value.ContentLength);
            }
        }

        created = true;
    }

    private void Write(ReadOnlySpan<byte> data)
    {
        if (spill is null && memory.Length + data.Length > MemoryLimit)
        {
            var path = Path.GetTempFileName();
            spill = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.DeleteOnClose);
            spillReader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.Asynchronous);
            spill.Write(memory.GetBuffer().AsSpan(0, (int)memory.Length));
            spillWritten = memory.Length;
            memory = new MemoryStream();
        }

        if (spill is null)
        {
            memory.Write(data);
        }
        else
        {
            spill.Write(data);
            spillWritten += data.Length;
        }
    }
}

/// <summary>Reads of a log blob that may not exist yet.</summary>
internal static class LogBlobs
{
    public static async Task<(bool Exists, long Length, bool Complete)> StateAsync(AppendBlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            var properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken);
            return (true, properties.Value.ContentLength, StagedLog.IsComplete(properties.Value.Metadata));
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return (false, 0, false);
        }
    }
}
