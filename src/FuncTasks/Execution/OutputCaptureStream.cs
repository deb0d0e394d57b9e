using System.Text;

namespace FuncTasks.Execution;

/// <summary>
/// A write-only stream that captures a process's output in bounded memory: up to the inline limit it
/// stays in memory; past it everything goes to a temporary file (the full output, kept for a child
/// artifact) and only the last <c>limit</c> bytes stay in memory for the inline text.
/// </summary>
public sealed class OutputCaptureStream(int inlineLimit) : Stream
{
    private readonly byte[] tail = new byte[inlineLimit];
    private readonly MemoryStream head = new();
    private FileStream? spill;
    private long tailStart;

    public long TotalBytes { get; private set; }

    public bool Truncated => spill is not null;

    /// <summary>The output as text when it fit inline, else its last bytes; invalid UTF-8 becomes U+FFFD.</summary>
    public string InlineText => Encoding.UTF8.GetString(InlineBytes());

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => TotalBytes;
    public override long Position { get => TotalBytes; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (spill is null && head.Length + buffer.Length > tail.Length)
        {
            spill = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose);
            head.Position = 0;
            head.CopyTo(spill);
            Remember(head.GetBuffer().AsSpan(0, (int)head.Length));
            head.SetLength(0);
        }

        if (spill is null)
        {
            head.Write(buffer);
        }
        else
        {
            spill.Write(buffer);
            Remember(buffer);
        }

        TotalBytes += buffer.Length;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    /// <summary>The full output from its first byte (only when <see cref="Truncated"/>); the caller must not dispose it.</summary>
    public Stream OpenFull()
    {
        var file = spill ?? throw new InvalidOperationException("The output fit inline; there is no spill file.");
        file.Flush();
        file.Position = 0;
        return file;
    }

    public override void Flush() => spill?.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            spill?.Dispose();
            head.Dispose();
        }

        base.Dispose(disposing);
    }

    private byte[] InlineBytes()
    {
        if (spill is null)
        {
            return head.ToArray();
        }

        // The ring holds the last tail.Length bytes; tailStart is where the oldest of them sits.
        var result = new byte[tail.Length];
        var start = (int)(tailStart % tail.Length);
        tail.AsSpan(start).CopyTo(result);
        tail.AsSpan(0, start).CopyTo(result.AsSpan(tail.Length - start));
        return result;
    }

    private void Remember(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length >= tail.Length)
        {
            bytes[^tail.Length..].CopyTo(tail);
            tailStart = 0;
            return;
        }

        foreach (var b in bytes)
        {
            tail[tailStart % tail.Length] = b;
            tailStart++;
        }
    }
}
