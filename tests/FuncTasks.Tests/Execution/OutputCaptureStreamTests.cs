using System.Text;
using FuncTasks.Execution;

namespace FuncTasks.Tests.Execution;

/// <summary>OutputCaptureStream around its inline limit: what stays inline, what spills, and that nothing is lost or reordered.</summary>
public sealed class OutputCaptureStreamTests
{
    private const int Limit = 1024;

    /// <summary>Bytes that differ from their neighbours (period 251, prime) so a misplaced byte shows.</summary>
    private static byte[] Pattern(int count, int start = 0) =>
        Enumerable.Range(start, count).Select(i => (byte)(i % 251)).ToArray();

    /// <summary>InlineText decodes UTF-8; ASCII letters make text and bytes match one to one.</summary>
    private static byte[] Letters(int count, int start = 0) =>
        Enumerable.Range(start, count).Select(i => (byte)('a' + (i % 26))).ToArray();

    private static byte[] ReadFull(OutputCaptureStream stream)
    {
        using var copy = new MemoryStream();
        stream.OpenFull().CopyTo(copy);
        return copy.ToArray();
    }

    [Fact]
    public void Write_LimitMinusOneBytes_StaysInlineAndExact()
    {
        using var stream = new OutputCaptureStream(Limit);
        var data = Letters(Limit - 1);

        stream.Write(data);

        Assert.False(stream.Truncated);
        Assert.Equal(Limit - 1, stream.TotalBytes);
        Assert.Equal(Encoding.ASCII.GetString(data), stream.InlineText);
        Assert.Throws<InvalidOperationException>(() => stream.OpenFull());
    }

    [Fact]
    public void Write_ExactlyLimitBytes_StaysInlineAndExact()
    {
        using var stream = new OutputCaptureStream(Limit);
        var data = Letters(Limit);

        stream.Write(data, 0, data.Length);

        Assert.False(stream.Truncated);
        Assert.Equal(Limit, stream.TotalBytes);
        Assert.Equal(Encoding.ASCII.GetString(data), stream.InlineText);
    }

    [Fact]
    public void Write_LimitPlusOneBytesInOneWrite_SpillsKeepsLastLimitInline()
    {
        using var stream = new OutputCaptureStream(Limit);
        var data = Letters(Limit + 1);

        stream.Write(data);

        Assert.True(stream.Truncated);
        Assert.Equal(Limit + 1, stream.TotalBytes);
        Assert.Equal(Encoding.ASCII.GetString(data, 1, Limit), stream.InlineText);
        Assert.Equal(data, ReadFull(stream));
    }

    [Fact]
    public void Write_LimitThenOneMoreByte_SpillsKeepsLastLimitInline()
    {
        using var stream = new OutputCaptureStream(Limit);
        var data = Letters(Limit + 1);

        stream.Write(data, 0, Limit);
        stream.Write(data, Limit, 1);

        Assert.True(stream.Truncated);
        Assert.Equal(Limit + 1, stream.TotalBytes);
        Assert.Equal(Encoding.ASCII.GetString(data, 1, Limit), stream.InlineText);
        Assert.Equal(data, ReadFull(stream));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100)]
    [InlineData(1023)]
    [InlineData(1024)]
    [InlineData(1025)]
    public void Write_ManySmallWrites_InlineIsTheLastLimitBytesAndFullIsEverythingInOrder(int chunk)
    {
        using var stream = new OutputCaptureStream(Limit);
        var data = Letters((Limit * 5) + 13);

        for (var offset = 0; offset < data.Length; offset += chunk)
        {
            stream.Write(data, offset, Math.Min(chunk, data.Length - offset));
        }

        Assert.True(stream.Truncated);
        Assert.Equal(data.Length, stream.TotalBytes);
        Assert.Equal(Encoding.ASCII.GetString(data, data.Length - Limit, Limit), stream.InlineText);
        Assert.Equal(data, ReadFull(stream));
    }

    [Fact]
    public void Write_OneHugeWrite_InlineIsTheLastLimitBytesAndFullIsEverything()
    {
        using var stream = new OutputCaptureStream(Limit);
        var data = Letters(5_000_003);

        stream.Write(data);

        Assert.True(stream.Truncated);
        Assert.Equal(data.Length, stream.TotalBytes);
        Assert.Equal(Encoding.ASCII.GetString(data, data.Length - Limit, Limit), stream.InlineText);
        Assert.Equal(data, ReadFull(stream));
    }

    [Fact]
    public void Write_BinaryBytes_FullOutputIsByteExact()
    {
        using var stream = new OutputCaptureStream(Limit);
        var data = Pattern(300_001);

        for (var offset = 0; offset < data.Length; offset += 4093)
        {
            stream.Write(data, offset, Math.Min(4093, data.Length - offset));
        }

        Assert.Equal(data, ReadFull(stream));
    }

    [Fact]
    public void Write_SmallWritesThenHugeWriteThenSmallWrites_InlineIsTheLastLimitBytes()
    {
        using var stream = new OutputCaptureStream(Limit);
        var data = Letters(Limit * 10);

        stream.Write(data, 0, 100);
        stream.Write(data, 100, Limit * 3);
        stream.Write(data, 100 + (Limit * 3), 5);
        stream.Write(data, 105 + (Limit * 3), data.Length - 105 - (Limit * 3));

        Assert.Equal(Encoding.ASCII.GetString(data, data.Length - Limit, Limit), stream.InlineText);
        Assert.Equal(data, ReadFull(stream));
    }

    [Fact]
    public async Task WriteAsync_MixedWithSyncWrites_KeepsOrder()
    {
        using var stream = new OutputCaptureStream(Limit);
        var data = Letters(Limit * 3);

        await stream.WriteAsync(data.AsMemory(0, 500));
        stream.Write(data, 500, 600);
#pragma warning disable CA1835 // the byte[] overload is the one under test here
        await stream.WriteAsync(data, 1100, data.Length - 1100);
#pragma warning restore CA1835

        Assert.Equal(data.Length, stream.TotalBytes);
        Assert.Equal(Encoding.ASCII.GetString(data, data.Length - Limit, Limit), stream.InlineText);
        Assert.Equal(data, ReadFull(stream));
    }

    [Fact]
    public void OpenFull_CalledTwice_ReadsFromTheStartEachTime()
    {
        using var stream = new OutputCaptureStream(Limit);
        var data = Letters(Limit * 2);
        stream.Write(data);

        var first = ReadFull(stream);
        var second = ReadFull(stream);

        Assert.Equal(data, first);
        Assert.Equal(data, second);
    }

    [Fact]
    public void InlineText_TruncatedInsideAMultiByteCharacter_StartsWithReplacementNotAnException()
    {
        using var stream = new OutputCaptureStream(Limit);
        // "€" is 3 bytes; 1 + 3 * 400 bytes leaves the 1024-byte window starting inside a "€".
        var text = "x" + string.Concat(Enumerable.Repeat("€", 400));
        stream.Write(Encoding.UTF8.GetBytes(text));

        var inline = stream.InlineText;

        Assert.True(stream.Truncated);
        Assert.StartsWith("\uFFFD", inline, StringComparison.Ordinal);
        Assert.EndsWith("€€€", inline, StringComparison.Ordinal);
        Assert.Equal(Encoding.UTF8.GetBytes(text), ReadFull(stream));
    }

    [Fact]
    public void Dispose_Truncated_DeletesTheSpillFile()
    {
        var stream = new OutputCaptureStream(Limit);
        stream.Write(Letters(Limit * 2));
        var file = Assert.IsType<FileStream>(stream.OpenFull()).Name;
        Assert.Equal(Limit * 2, new FileInfo(file).Length);

        stream.Dispose();

        Assert.False(File.Exists(file), $"{file} is still there");
    }
}
