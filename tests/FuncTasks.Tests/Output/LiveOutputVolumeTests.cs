using FuncTasks.Execution;
using FuncTasks.Output;
using FuncTasks.Tasks;
using FuncTasks.Tests.Execution;
using FuncTasks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FuncTasks.Tests.Output;

/// <summary>200 MB printed as fast as it can be, through the runner and a job's live log on Azurite: memory stays flat, the log stops at its cap and says what it dropped, the capture keeps everything.</summary>
[Collection(nameof(MemoryMeasuringGroup))]
public sealed class LiveOutputVolumeTests() : AppTests(settings: new Dictionary<string, string?> { ["FuncTasks:Execution:LogMaxBytes"] = "1048576" })
{
    private const long Total = 200_000_000;

    [Fact]
    public async Task ShellRun_200MBOfOutput_MemoryStaysFlat_LogIsCappedAndSaysWhatItDropped()
    {
        var runner = App.Services.GetRequiredService<ShellRunner>();
        var jobId = NUlid.Ulid.NewUlid().ToString();
        await using (var warmUp = App.Services.GetRequiredService<JobOutputStore>().OpenWriter(NUlid.Ulid.NewUlid().ToString(), TaskType.Shell))
        {
            // The storage clients and the runner's first use, before the heap is measured.
            using var first = await runner.RunAsync("echo warm; echo up >&2", new Dictionary<string, string>(), TimeSpan.FromSeconds(30), warmUp, CancellationToken.None);
        }

        var before = GC.GetTotalMemory(forceFullCollection: true);
        long peak = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
                await Task.Delay(20);
            }
        });

        ShellResult result;
        await using (var output = App.Services.GetRequiredService<JobOutputStore>().OpenWriter(jobId, TaskType.Shell))
        {
            // Lines of 99 'a' and a newline, as fast as the pipe takes them; a stray invalid byte at the end.
            result = await runner.RunAsync($"yes aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | head -c {Total}; printf '\\377'",
                new Dictionary<string, string>(), TimeSpan.FromSeconds(120), output, CancellationToken.None);
            await output.CompleteAsync();
        }

        await sampling.CancelAsync();
        await sampler;
        using var _ = result;
        var after = GC.GetTotalMemory(forceFullCollection: true);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Total + 1, result.Stdout.TotalBytes);
        Assert.True(result.Stdout.Truncated);
        Assert.Equal(Total + 1, result.Stdout.OpenFull().Length);
        Assert.True(peak - before < 48 * 1024 * 1024, $"the managed heap peaked {peak - before:N0} bytes above where it started for 200 MB of output");
        // What stays is the shared array pool's upload buffers (4 MiB each), not the output.
        Assert.True(after - before < 16 * 1024 * 1024, $"the managed heap grew by {after - before:N0} bytes");

        var outputs = App.Services.GetRequiredService<JobOutputStore>();
        foreach (var kind in new[] { LogKind.Combined, LogKind.Stdout })
        {
            var state = await outputs.GetStateAsync(jobId, kind, CancellationToken.None);
            Assert.True(state.Complete);
            Assert.InRange(state.Length, 1024 * 1024, (1024 * 1024) + 1024);
            using var reader = new StreamReader(await outputs.OpenReadAsync(jobId, kind, 1024 * 1000, state.Length - (1024 * 1000), CancellationToken.None));
            var end = await reader.ReadToEndAsync();
            Assert.Contains("[functasks] the log reached its limit of 1048576 bytes", end, StringComparison.Ordinal);
            // The invalid byte became U+FFFD (3 bytes) in the log; the combined log has stderr too (yes: Broken pipe).
            var written = Total + 3 + (kind == LogKind.Combined ? result.Stderr.TotalBytes : 0);
            Assert.Contains($"[functasks] {written - (1024 * 1024)} bytes of output were dropped from this log past its limit", end, StringComparison.Ordinal);
        }

        Assert.Equal(result.Stderr.TotalBytes, (await outputs.GetStateAsync(jobId, LogKind.Stderr, CancellationToken.None)).Length);
    }
}
