using System.Globalization;
using System.Text;

namespace FuncTasks.Benchmarks.Harness;

/// <summary>Collects a command's results and prints them as plain text (stdout) and Markdown (--out).</summary>
internal sealed class Report(string command, BenchmarkOptions options, MachineInfo machine)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private readonly List<ComparisonResult> comparisons = [];
    private readonly List<string> notes = [];
    private string loadAverageAtEnd = "n/a";

    public IReadOnlyList<ComparisonResult> Comparisons => comparisons;

    public void Add(ComparisonResult result)
    {
        comparisons.Add(result);
        BenchmarkContext.Progress(
            $"{result.Comparison.Name}: {result.Candidate.Name} / {result.Baseline.Name} = {F(result.RatioOfMedians, 3)} " +
            $"(medians {Ms(result.Candidate.Median)} vs {Ms(result.Baseline.Median)})");
    }

    /// <summary>A line printed under the results (setup, data shape, caveats).</summary>
    public void Note(string line) => notes.Add(line);

    public void Finish() => loadAverageAtEnd = MachineInfo.LoadAverage();

    public string ToText()
    {
        var text = new StringBuilder();
        text.AppendLine(Invariant, $"== FuncTasks benchmark '{command}'{(options.Quick ? " (quick)" : string.Empty)} ==");
        foreach (var (name, value) in machine.Describe())
        {
            text.AppendLine(Invariant, $"{name + ":",-12} {value}");
        }

        text.AppendLine(Invariant, $"{"load avg:",-12} {machine.LoadAverageAtStart} at start, {loadAverageAtEnd} at end (1/5/15 min)");
        text.AppendLine(Invariant, $"{"method:",-12} {options.WarmupRounds} warm-up + {options.Rounds} measured rounds per comparison, A/B interleaved (order alternates)");
        text.AppendLine();
        text.AppendLine(Invariant, $"{"comparison",-10} {"side",-26} {"median",10} {"p95",10} {"p99",10} {"min",10} {"alloc/call",12}");
        foreach (var result in comparisons)
        {
            foreach (var side in new[] { result.Baseline, result.Candidate })
            {
                text.AppendLine(Invariant,
                    $"{(side == result.Baseline ? result.Comparison.Name : string.Empty),-10} {side.Name,-26} {Ms(side.Median),10} {Ms(side.P95),10} {Ms(side.P99),10} {Ms(side.Min),10} {Bytes(side.AllocatedBytesPerCall),12}");
            }

            text.AppendLine(Invariant,
                $"{string.Empty,-10} ratio of medians {F(result.RatioOfMedians, 3)} [95% CI {F(result.RatioInterval.Low, 3)}-{F(result.RatioInterval.High, 3)}], " +
                $"paired median {F(result.MedianPairedRatio, 3)}, p95 ratio {F(result.RatioOfP95, 3)}, " +
                $"{Signed(result.OverheadMicroseconds)} us/call; target <= {F(result.Comparison.TargetRatio, 2)}: {Verdict(result)}");
            text.AppendLine(Invariant,
                $"{string.Empty,-10} ({result.Elapsed.TotalSeconds:F1} s measured, {result.Gen0Collections} gen0 / {result.Gen2Collections} gen2 GCs, load avg after {result.LoadAverageAfter})");
        }

        if (notes.Count > 0)
        {
            text.AppendLine();
            foreach (var note in notes)
            {
                text.AppendLine(Invariant, $"- {note}");
            }
        }

        return text.ToString();
    }

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine(Invariant, $"Benchmark `{command}`{(options.Quick ? " (quick)" : string.Empty)}: {options.WarmupRounds} warm-up + {options.Rounds} measured rounds per comparison, A/B interleaved.");
        md.AppendLine();
        foreach (var (name, value) in machine.Describe())
        {
            md.AppendLine(Invariant, $"- {name}: {value}");
        }

        md.AppendLine(Invariant, $"- load average: {machine.LoadAverageAtStart} at start, {loadAverageAtEnd} at end");
        md.AppendLine();
        md.AppendLine("| comparison | side | median | p95 | p99 | alloc/call |");
        md.AppendLine("| --- | --- | ---: | ---: | ---: | ---: |");
        foreach (var result in comparisons)
        {
            foreach (var side in new[] { result.Baseline, result.Candidate })
            {
                md.AppendLine(Invariant, $"| {result.Comparison.Name} | {side.Name} | {Ms(side.Median)} | {Ms(side.P95)} | {Ms(side.P99)} | {Bytes(side.AllocatedBytesPerCall)} |");
            }
        }

        md.AppendLine();
        md.AppendLine("| comparison | ratio of medians (95% CI) | paired median ratio | ratio of p95 | extra per call | target | verdict |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var result in comparisons)
        {
            md.AppendLine(Invariant,
                $"| {result.Comparison.Name} | {F(result.RatioOfMedians, 3)} ({F(result.RatioInterval.Low, 3)}-{F(result.RatioInterval.High, 3)}) | {F(result.MedianPairedRatio, 3)} | " +
                $"{F(result.RatioOfP95, 3)} | {Signed(result.OverheadMicroseconds)} us | <= {F(result.Comparison.TargetRatio, 2)} | {Verdict(result)} |");
        }

        if (notes.Count > 0)
        {
            md.AppendLine();
            foreach (var note in notes)
            {
                md.AppendLine(Invariant, $"- {note}");
            }
        }

        return md.ToString();
    }

    private static string F(double value, int decimals) => value.ToString("F" + decimals.ToString(Invariant), Invariant);

    private string Verdict(ComparisonResult result) =>
        options.Quick ? result.Verdict + " - quick run, a smoke check only: quote full runs" : result.Verdict;

    private static string Signed(double value) => value.ToString("+0;-0;0", Invariant);

    private static string Ms(double milliseconds) => F(milliseconds, 3) + " ms";

    private static string Bytes(double bytes) => bytes >= 1024 ? F(bytes / 1024, 1) + " KB" : F(bytes, 0) + " B";
}
