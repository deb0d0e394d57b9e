using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using FuncTasks.Execution;
using FuncTasks.Storage;
using FuncTasks.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FuncTasks.Output;

/// <summary>Which of a job's logs: both streams of a shell job (or a function job's lines), or one stream (<c>?stream=</c>).</summary>
public enum LogKind
{
    Combined,
    Stdout,
    Stderr,
}

/// <summary>What a log blob holds now: its length, and whether its writer has finished with it.</summary>
public readonly record struct LogState(bool Exists, long Length, bool Complete);

/// <summary>
/// Where jobs' live output lives: append blobs in the logs container, <c>{job id}/combined</c> and, for a shell job,
/// <c>{job id}/stdout</c> and <c>{job id}/stderr</c>. Written by a <see cref="JobOutputWriter"/> per attempt; read by
/// <c>$logs</c> and <c>$stream?output=true</c> on any instance; deleted with the job.
/// </summary>
public sealed class JobOutputStore(StorageAccount storage, IOptions<ExecutionOptions> options, TimeProvider clock, ILogger<JobOutputStore> logger)
{
    private static readonly LogKind[] ShellStreams = [LogKind.Combined, LogKind.Stdout, LogKind.Stderr];

    /// <summary>A writer for an attempt of the job (it creates its blobs on its first flush); <paramref name="header"/> opens the combined log.</summary>
    public JobOutputWriter OpenWriter(string jobId, TaskType taskType, string? header = null)
    {
        var cap = options.Value.LogMaxBytes;
        var combined = new StagedLog(Blob(jobId, LogKind.Combined), cap);
        var shell = taskType == TaskType.Shell;
        var writer = new JobOutputWriter(jobId, combined,
            shell ? new StagedLog(Blob(jobId, LogKind.Stdout), cap) : null,
            shell ? new StagedLog(Blob(jobId, LogKind.Stderr), cap) : null,
            TimeSpan.FromMilliseconds(options.Value.LogFlushMilliseconds), clock, logger);
        if (header is not null)
        {
            writer.WriteLine(header);
        }

        return writer;
    }

    public async Task<LogState> GetStateAsync(string jobId, LogKind stream, CancellationToken cancellationToken)
    {
        var (exists, length, complete) = await LogBlobs.StateAsync(Blob(jobId, stream), cancellationToken);
        return new LogState(exists, length, complete);
    }

    /// <summary>Bytes <paramref name="offset"/> to <paramref name="offset"/> + <paramref name="count"/> of the log (they must exist).</summary>
    public async Task<Stream> OpenReadAsync(string jobId, LogKind stream, long offset, long count, CancellationToken cancellationToken)
    {
        var download = await Blob(jobId, stream).DownloadStreamingAsync(new BlobDownloadOptions { Range = new HttpRange(offset, count) }, cancellationToken);
        return download.Value.Content;
    }

    /// <summary>Removes the job's logs (with the job).</summary>
    public async Task DeleteAsync(string jobId, CancellationToken cancellationToken)
    {
        foreach (var stream in ShellStreams)
        {
            await Blob(jobId, stream).DeleteIfExistsAsync(cancellationToken: cancellationToken);
        }
    }

    private AppendBlobClient Blob(string jobId, LogKind stream) =>
        storage.Logs.GetAppendBlobClient($"{jobId}/{stream.ToString().ToLowerInvariant()}");
}
