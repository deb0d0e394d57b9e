using System.Diagnostics;
using FuncTasks.Benchmarks.Harness;
using FuncTasks.Execution;
using Microsoft.Extensions.Options;

namespace FuncTasks.Benchmarks.Shell;

/// <summary>
/// <c>shell-overhead</c>: a trivial command (<c>echo hi</c>) through the app's ShellRunner (both overloads) beside
/// Process.Start of the same thing with stdout and stderr redirected and read to the end, interleaved; plus
/// Process.Start through <c>setsid</c>, to show what a process group of its own per command would cost.
/// </summary>
internal sealed class ShellOverheadBenchmark : IBenchmarkCommand
{
    /// <summary>The issue's target: ShellRunner costs at most 1.2x Process.Start of the same command.</summary>
    public const double TargetRatio = 1.2;

    public const string Command = "echo hi";

    private const string StartShell = "Process.Start sh -c";
    private const string RunnerShell = "ShellRunner (sh -c)";
    private const string StartSetsid = "Process.Start setsid sh -c";
    private const string StartDirect = "Process.Start echo hi";
    private const string RunnerDirect = "ShellRunner (no shell)";

    private static readonly IReadOnlyDictionary<string, string> NoEnvironment = new Dictionary<string, string>();
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public string Name => "shell-overhead";

    public string Summary => "'echo hi' through ShellRunner (sh -c and no-shell overloads) vs Process.Start with redirected output read to end";

    public BenchmarkOptions Defaults => new() { WarmupRounds = 100, Rounds = 2000, AllocationCalls = 200 };

    public BenchmarkOptions QuickDefaults => new() { WarmupRounds = 20, Rounds = 300, AllocationCalls = 30 };

    public string DefaultsSummary => "full: 100 warm-up + 2000 rounds of 5 sides, about 25 s; --quick: 20 + 300, about 6 s";

    public async Task<int> RunAsync(BenchmarkContext context)
    {
        var (options, report, ct) = (context.Options, context.Report, context.CancellationToken);
        if (ProcessGroupSetsid() is not { } setsid)
        {
            Console.Error.WriteLine($"{Name}: needs util-linux setsid (/usr/bin/setsid), as ShellRunner does on Linux");
            return 2;
        }

        var runner = new ShellRunner(Options.Create(new ExecutionOptions()), TimeProvider.System);
        Operation[] sides =
        [
            new(StartShell, (_, token) => StartAsync("/bin/sh", ["-c", Command], token)),
            new(RunnerShell, async (_, token) =>
            {
                using var result = await runner.RunAsync(Command, NoEnvironment, Timeout, token);
                Check(RunnerShell, result.ExitCode, result.Stdout.InlineText);
            }),
            new(StartSetsid, (_, token) => StartAsync(setsid, ["/bin/sh", "-c", Command], token)),
            new(StartDirect, (_, token) => StartAsync("echo", ["hi"], token)),
            new(RunnerDirect, async (_, token) =>
            {
                using var result = await runner.RunAsync("echo", ["hi"], NoEnvironment, Timeout, token);
                Check(RunnerDirect, result.ExitCode, result.Stdout.InlineText);
            }),
        ];

        var result = await InterleavedRunner.RunAsync(Name, sides, options.WarmupRounds, options.Rounds, options.AllocationCalls, ct);
        report.Method = $"{options.WarmupRounds} warm-up + {options.Rounds} measured rounds; each round runs the command once per side, in an order that rotates through all 120 permutations of the 5 sides";
        report.Add(result.Compare("shell", $"'{Command}' via /bin/sh -c: ShellRunner.RunAsync(command, env, timeout, ct) vs Process.Start", StartShell, RunnerShell, TargetRatio));
        report.Add(result.Compare("no shell", "echo [hi] without a shell: ShellRunner.RunAsync(executable, args, env, timeout, ct) vs Process.Start", StartDirect, RunnerDirect, TargetRatio));
        report.Add(result.Compare("setsid", "what the extra exec of setsid costs (ShellRunner ran every command under it before marking processes instead)", StartShell, StartSetsid, double.NaN));
        report.Add(result.Compare("runner vs setsid", "ShellRunner beyond Process.Start of the same setsid command line (CliWrap, capture streams, timeout)", StartSetsid, RunnerShell, double.NaN));

        report.Note($"Command '{Command}'; /bin/sh is {ShellTarget()}; ShellRunner is built as in the brief: new ShellRunner(Options.Create(new ExecutionOptions())) (64 KB inline output per stream), env empty, timeout 30 s.");
        report.Note("Process.Start sides: UseShellExecute false, stdout and stderr redirected, both read to the end (ReadToEndAsync) and WaitForExitAsync; ShellRunner also captures both streams. Every call checks exit code 0 and the output 'hi'.");
        report.Note($"ShellRunner runs the command directly and marks its processes with FUNCTASKS_RUN_ID; '{StartSetsid}' ({setsid}) is shown for what a process group per command would cost.");
        return 0;
    }

    private static async ValueTask StartAsync(string file, string[] arguments, CancellationToken ct)
    {
        var info = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        var output = await stdout;
        _ = await stderr;
        Check(file, process.ExitCode, output);
    }

    private static void Check(string side, int? exitCode, string output)
    {
        if (exitCode != 0 || output != "hi\n")
        {
            throw new InvalidOperationException($"{side}: exit code {exitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, output '{output}'");
        }
    }

    private static string? ProcessGroupSetsid() => new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    private static string ShellTarget()
    {
        var info = new FileInfo("/bin/sh");
        return info.LinkTarget is { } target ? $"a link to {target}" : "not a link";
    }
}
