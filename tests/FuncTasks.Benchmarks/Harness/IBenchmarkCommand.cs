namespace FuncTasks.Benchmarks.Harness;

/// <summary>One sub-command of the harness (<c>store</c>, the durable job benchmarks, <c>shell-overhead</c>).</summary>
internal interface IBenchmarkCommand
{
    /// <summary>The word on the command line.</summary>
    string Name { get; }

    /// <summary>One line for <c>--help</c>.</summary>
    string Summary { get; }

    /// <summary>The options a full run starts from (rounds, warm-up, ...); the store's by default.</summary>
    BenchmarkOptions Defaults => new();

    /// <summary>The options a <c>--quick</c> run starts from.</summary>
    BenchmarkOptions QuickDefaults => BenchmarkOptions.QuickDefaults;

    /// <summary>One line for <c>--help</c> saying what a full and a quick run do.</summary>
    string DefaultsSummary => "full: 500 warm-up + 3000 rounds; --quick: 100 + 300";

    /// <summary>Runs the benchmark and writes its results to <see cref="BenchmarkContext.Report"/>; returns the exit code.</summary>
    Task<int> RunAsync(BenchmarkContext context);
}

/// <summary>What a command gets from the harness: the parsed options, the report and Ctrl+C.</summary>
internal sealed class BenchmarkContext(BenchmarkOptions options, Report report, CancellationToken cancellationToken)
{
    public BenchmarkOptions Options { get; } = options;
    public Report Report { get; } = report;
    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>Progress for the person watching (stderr, so stdout holds only results).</summary>
    public static void Progress(string message) =>
        Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
}
