using System.Diagnostics;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using FuncTasks.Benchmarks.Harness;
using FuncTasks.Execution;
using FuncTasks.Output;
using FuncTasks.Storage;
using FuncTasks.Tasks;
using FuncTasks.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FuncTasks.Benchmarks.Shell;

/// <summary>
/// <c>live-output</c>: ShellRunner with a job's live output on (a <see cref="JobOutputWriter"/> on Azurite, as a job runs
/// it) against Process.Start of the same command reading the same pipes, interleaved; a quiet command (<c>echo hi</c>:
/// the overhead per run) and a loud one (<c>seq 1 5000000</c>: the throughput captured).
/// </summary>
internal sealed class LiveOutputBenchmark : IBenchmarkCommand
{
    /// <summary>The targets: at most 1.2x for the quiet command; at least 0.8x the raw pipe's MB/s for the loud one (time at most 1/0.8).</summary>
    public const double QuietTarget = 1.2;
    public const double LoudThroughputTarget = 0.8;

    private const string Quiet = "echo hi";
    private const string Loud = "seq 1 5000000";
    private const string Raw = "Process.Start sh -c";
    private const string Live = "ShellRunner + live output";

    private static readonly IReadOnlyDictionary<string, string> NoEnvironment = new Dictionary<string, string>();

    public string Name => "live-output";

    public string Summary => "'echo hi' and 'seq 1 5000000' through ShellRunner with a job's live output on Azurite vs Process.Start reading the same pipes";

    public BenchmarkOptions Defaults => new() { WarmupRounds = 50, Rounds = 1000, AllocationCalls = 0 };

    public BenchmarkOptions QuickDefaults => new() { WarmupRounds = 10, Rounds = 150, AllocationCalls = 0 };

    public string DefaultsSummary => "full: quiet 50 warm-up + 1000 rounds, loud 3 + 30 rounds, about 2.5 min; --quick: quiet 10 + 150, loud 1 + 6, about 30 s";

    public async Task<int> RunAsync(BenchmarkContext context)
    {
        var (options, report, ct) = (context.Options, context.Report, context.CancellationToken);
        await using var azurite = await AzuriteServer.StartAsync();
        var storage = new StorageAccount(new TableServiceClient(azurite.ConnectionString), new BlobServiceClient(azurite.ConnectionString), TestNames.Unique("b"));
        await storage.Logs.CreateIfNotExistsAsync(cancellationToken: ct);
        var execution = Options.Create(new ExecutionOptions());
        var outputs = new JobOutputStore(storage, execution, TimeProvider.System, NullLogger<JobOutputStore>.Instance);
        var runner = new ShellRunner(execution, TimeProvider.System);
        var completions = new List<double>();
        JobOutputWriter? open = null;
        long loudBytes = 0;

        Operation[] Sides(string command, bool countBytes) =>
        [
            new(Raw, async (_, token) =>
            {
                var bytes = await StartAsync(command, token);
                loudBytes = countBytes ? bytes : loudBytes;
            }),
            new(Live, async (_, token) =>
            {
                open = outputs.OpenWriter(NUlid.Ulid.NewUlid().ToString(), TaskType.Shell);
                using var result = await runner.RunAsync(command, NoEnvironment, TimeSpan.FromSeconds(120), open, token);
                if (result.ExitCode != 0 || (countBytes && result.Stdout.TotalBytes != loudBytes && loudBytes != 0))
                {
                    throw new InvalidOperationException($"{Live}: exit code {result.ExitCode}, {result.Stdout.TotalBytes} bytes");
                }
            }),
        ];

        // The log's completion (its last upload and the complete mark) is a job's end, not the run's: timed apart.
        async Task CompleteAsync(int side, CancellationToken token)
        {
            if (open is { } writer)
            {
                var watch = Stopwatch.StartNew();
                await writer.DisposeAsync();
                completions.Add(watch.Elapsed.TotalMilliseconds);
                open = null;
            }
        }

        var quiet = await InterleavedRunner.RunAsync($"{Name} quiet", Sides(Quiet, false), options.WarmupRounds, options.Rounds, 0, ct, afterCall: CompleteAsync);
        var quietCompletion = Statistics.Median(completions);
        completions.Clear();
        var loudRounds = Math.Max(6, options.Rounds / 33);
        var loud = await InterleavedRunner.RunAsync($"{Name} loud", Sides(Loud, true), Math.Max(1, options.WarmupRounds / 15), loudRounds, 0, ct, afterCall: CompleteAsync);
        var loudCompletion = Statistics.Median(completions);

        report.Method = $"quiet: {options.WarmupRounds} warm-up + {options.Rounds} measured rounds; loud: {Math.Max(1, options.WarmupRounds / 15)} + {loudRounds}; each round runs the command once per side, alternating which goes first";
        report.Add(quiet.Compare("quiet", $"'{Quiet}': ShellRunner.RunAsync(command, env, timeout, live output) vs Process.Start", Raw, Live, QuietTarget));
        report.Add(loud.Compare("loud", $"'{Loud}' ({loudBytes / 1e6:0.0} MB): the same; time ratio ≤ {1 / LoudThroughputTarget:0.00} is throughput ≥ {LoudThroughputTarget}x", Raw, Live, 1 / LoudThroughputTarget));
        var rawMbps = loudBytes / 1e6 / (loud.Side(Raw).Median / 1000);
        var liveMbps = loudBytes / 1e6 / (loud.Side(Live).Median / 1000);
        report.Note($"Loud throughput (medians): Process.Start {rawMbps:0} MB/s, ShellRunner + live output {liveMbps:0} MB/s = {liveMbps / rawMbps:0.00}x (target ≥ {LoudThroughputTarget}x).");
        report.Note($"Not in the timed call: the log's completion after the run (its last upload to Azurite and the complete mark), median {quietCompletion:0.00} ms quiet and {loudCompletion:0.0} ms loud (loud: the log keeps {Math.Min(loudBytes, execution.Value.LogMaxBytes) / 1e6:0.0} MB of combined and of stdout, LogMaxBytes 64 MiB).");
        report.Note("Process.Start side: UseShellExecute false, /bin/sh -c <command>, stdout and stderr redirected and read to the end as bytes (a 64 KB buffer, discarded), WaitForExitAsync. ShellRunner side: a new JobOutputWriter per run (as a job attempt opens one), the run (capture of both streams, the live log's staging, the kill of what the command left behind).");
        return 0;
    }

    private static async Task<long> StartAsync(string command, CancellationToken ct)
    {
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("/bin/sh did not start");
        var stdout = DrainAsync(process.StandardOutput.BaseStream, ct);
        var stderr = DrainAsync(process.StandardError.BaseStream, ct);
        await process.WaitForExitAsync(ct);
        var bytes = await stdout;
        await stderr;
        return process.ExitCode == 0 ? bytes : throw new InvalidOperationException($"{Raw}: exit code {process.ExitCode}");
    }

    private static async Task<long> DrainAsync(Stream stream, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, ct)) > 0)
        {
            total += read;
        }

        return total;
    }
}
