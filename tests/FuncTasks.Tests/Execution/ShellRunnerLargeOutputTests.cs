using FuncTasks.Execution;
using Microsoft.Extensions.Options;

namespace FuncTasks.Tests.Execution;

/// <summary>Runs alone (no other test allocating beside it) so the managed heap can be measured.</summary>
[CollectionDefinition(nameof(MemoryMeasuringGroup), DisableParallelization = true)]
public sealed class MemoryMeasuringGroup;

/// <summary>20 MB through a real pipe: bounded memory, the end of the stream inline, everything in the spill file.</summary>
[Collection(nameof(MemoryMeasuringGroup))]
public sealed class ShellRunnerLargeOutputTests
{
    private const int InlineLimit = 64 * 1024;
    private const int Total = 20_000_000;

    [Fact]
    public async Task RunAsync_20MBOfOutput_KeepsTheTailInlineTheWholeInTheSpillAndMemoryBounded()
    {
        var runner = new ShellRunner(Options.Create(new ExecutionOptions { InlineOutputBytes = InlineLimit }), TimeProvider.System);
        var before = GC.GetTotalMemory(forceFullCollection: true);

        // 'a' x 19,999,990 then "0123456789": the inline text must be the end of the stream.
        using var result = await runner.RunAsync(
            $"head -c {Total - 10} /dev/zero | tr '\\0' 'a'; printf 0123456789",
            new Dictionary<string, string>(), TimeSpan.FromSeconds(60), CancellationToken.None);

        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(result);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Total, result.Stdout.TotalBytes);
        Assert.True(result.Stdout.Truncated);
        var inline = result.Stdout.InlineText;
        Assert.Equal(InlineLimit, inline.Length);
        Assert.EndsWith("aaaa0123456789", inline, StringComparison.Ordinal);
        Assert.Equal(InlineLimit - 10, inline.Count(c => c == 'a'));
        Assert.True(after - before < 8 * 1024 * 1024, $"the managed heap grew by {after - before:N0} bytes for 20 MB of output");

        var full = result.Stdout.OpenFull();
        var buffer = new byte[1 << 20];
        long count = 0;
        long letters = 0;
        var last = new List<byte>();
        int read;
        while ((read = await full.ReadAsync(buffer)) > 0)
        {
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] == (byte)'a')
                {
                    letters++;
                }
            }

            count += read;
            last.AddRange(buffer.AsSpan(Math.Max(0, read - 10), Math.Min(10, read)).ToArray());
            if (last.Count > 10)
            {
                last.RemoveRange(0, last.Count - 10);
            }
        }

        Assert.Equal(Total, count);
        Assert.Equal(Total - 10, letters);
        Assert.Equal("0123456789"u8.ToArray(), last.ToArray());
        Assert.Equal(0, result.Stderr.TotalBytes);
    }
}
