using System.Globalization;

namespace FuncTasks.Benchmarks.Harness;

/// <summary>Options every sub-command understands.</summary>
internal sealed record BenchmarkOptions
{
    public bool Quick { get; init; }

    /// <summary>Measured A/B rounds per comparison (one call of each side per round).</summary>
    public int Rounds { get; init; } = 3000;

    /// <summary>Unmeasured A/B rounds before measuring (JIT tiering, connection pool, Azurite's own JIT).</summary>
    public int WarmupRounds { get; init; } = 500;

    /// <summary>Calls of each side, run back to back, over which allocations per call are averaged.</summary>
    public int AllocationCalls { get; init; } = 300;

    /// <summary>Run only the comparisons whose name is listed (empty: all).</summary>
    public IReadOnlySet<string> Only { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Also write the results as Markdown to this file.</summary>
    public string? MarkdownOut { get; init; }

    /// <summary>Jobs per batch, for the durable benchmarks that submit a batch (null: the command's default).</summary>
    public int? Jobs { get; init; }

    /// <summary>The durable engine's MaxConcurrentActivities, for the durable benchmarks (null: the command's default).</summary>
    public int? Activities { get; init; }

    /// <summary>Write the durable engine's own logs to this file (durable benchmarks; slows them, for diagnosis only).</summary>
    public string? DurableLog { get; init; }

    /// <summary>Record every storage request during each batch and report the slowest kinds (job-throughput; diagnosis).</summary>
    public bool TraceStorage { get; init; }

    /// <summary>The durable backend's control-queue visibility timeout in seconds (job-throughput, gate-handoff; null: the command's default).</summary>
    public int? ControlVisibilitySeconds { get; init; }

    /// <summary>How often a client polls a job or an instance for its end, in milliseconds (host-latency; null: the command's default).</summary>
    public int? PollMilliseconds { get; init; }

    public static BenchmarkOptions QuickDefaults { get; } = new() { Quick = true, Rounds = 300, WarmupRounds = 100, AllocationCalls = 50 };

    public bool Includes(string comparison) => Only.Count == 0 || Only.Contains(comparison);

    /// <summary>Parses the options after the command word with the store's defaults; null and a message when they are not valid.</summary>
    public static (BenchmarkOptions? Options, string? Error) Parse(IReadOnlyList<string> args) =>
        Parse(args, new BenchmarkOptions(), QuickDefaults);

    /// <summary>
    /// Parses the options after the command word, starting from a command's own defaults (<paramref name="quickDefaults"/>
    /// with --quick); null and a message when they are not valid.
    /// </summary>
    public static (BenchmarkOptions? Options, string? Error) Parse(IReadOnlyList<string> args, BenchmarkOptions defaults, BenchmarkOptions quickDefaults)
    {
        ArgumentNullException.ThrowIfNull(args);
        var quick = args.Contains("--quick");
        var options = quick ? quickDefaults with { Quick = true } : defaults;
        var only = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new FormatException($"{args[i]} needs a value");
            int Count() => int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new FormatException($"{args[i - 1]} needs a positive whole number");
            try
            {
                switch (args[i])
                {
                    case "--quick":
                        break;
                    case "--rounds":
                        options = options with { Rounds = Count() };
                        break;
                    case "--warmup":
                        options = options with { WarmupRounds = Count() };
                        break;
                    case "--alloc-calls":
                        options = options with { AllocationCalls = Count() };
                        break;
                    case "--only":
                        foreach (var name in Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                        {
                            only.Add(name);
                        }

                        break;
                    case "--out":
                        options = options with { MarkdownOut = Value() };
                        break;
                    case "--jobs":
                        options = options with { Jobs = Count() };
                        break;
                    case "--activities":
                        options = options with { Activities = Count() };
                        break;
                    case "--durable-log":
                        options = options with { DurableLog = Value() };
                        break;
                    case "--trace-storage":
                        options = options with { TraceStorage = true };
                        break;
                    case "--control-visibility":
                        options = options with { ControlVisibilitySeconds = Count() };
                        break;
                    case "--poll-ms":
                        options = options with { PollMilliseconds = Count() };
                        break;
                    default:
                        return (null, $"unknown option '{args[i]}'");
                }
            }
            catch (FormatException ex)
            {
                return (null, ex.Message);
            }
        }

        return (options with { Only = only }, null);
    }

    public const string Usage =
        """
          --quick            smoke check with fewer rounds or jobs (defaults per benchmark above); don't quote its figures
          --rounds N         measured interleaved rounds per comparison (job-throughput, host-burst: rounds of every configuration)
          --warmup N         unmeasured warm-up rounds per comparison (job-throughput, gate-handoff: warm-up jobs)
          --alloc-calls N    calls per side for the allocation figures (store, shell-overhead)
          --only a,b         run only these comparisons (store: create, get, list; job-throughput: 1, 5, 20, off;
                             host-burst: bare, off, 200, 5)
          --jobs N           jobs per batch (job-throughput, gate-handoff, host-burst)
          --activities N     the durable engine's MaxConcurrentActivities (job-throughput, gate-handoff)
          --durable-log FILE write the durable engine's own logs to FILE (job-throughput, gate-handoff; for diagnosis, not for figures)
          --trace-storage    record every storage request of each batch and report the slowest kinds (job-throughput)
          --control-visibility S  control-queue visibility timeout in seconds (job-throughput, gate-handoff; default 300,
                             the backend's own default; the test host's 10 s livelocks under a burst, see the README)
          --poll-ms N        how often the client polls a job or an instance for its end (host-latency; default 25)
          --out FILE         also write the results as Markdown to FILE
        """;
}
