using System.Globalization;
using System.Text;

namespace FuncTasks.Benchmarks.Harness;

/// <summary>Collects a command's results and prints them as plain text (stdout) and Markdown (--out).</summary>
internal sealed class Report(string command, BenchmarkOptions options, MachineInfo machine)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private readonly List<ComparisonResult> comparisons = [];
    private readonly List<string> notes = [];
    private readonly List<ReportTable> tables = [];
    private string loadAverageAtEnd = "n/a";

    public IReadOnlyList<ComparisonResult> Comparisons => comparisons;

    /// <summary>True when nothing was measured (no comparison, no table).</summary>
    public bool IsEmpty => comparisons.Count == 0 && tables.Count == 0;

    /// <summary>The "method:" line; the store's A/B wording unless a command says otherwise.</summary>
    public string? Method { get; set; }

    /// <summary>A table of figures that are not an A/B comparison (series, throughput, breakdowns), printed after the comparisons.</summary>
    public void AddTable(ReportTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        tables.Add(table);
    }

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
        text.AppendLine(Invariant, $"{"method:",-12} {MethodLine}");
        if (comparisons.Count > 0)
        {
            var nameWidth = Math.Max(10, comparisons.Max(c => c.Comparison.Name.Length));
            var sideWidth = Math.Max(26, comparisons.Max(c => Math.Max(c.Baseline.Name.Length, c.Candidate.Name.Length)));
            text.AppendLine();
            text.AppendLine(Invariant, $"{"comparison".PadRight(nameWidth)} {"side".PadRight(sideWidth)} {"median",10} {"p95",10} {"p99",10} {"min",10} {"alloc/call",12}");
            foreach (var result in comparisons)
            {
                foreach (var side in new[] { result.Baseline, result.Candidate })
                {
                    text.AppendLine(Invariant,
                        $"{(side == result.Baseline ? result.Comparison.Name : string.Empty).PadRight(nameWidth)} {side.Name.PadRight(sideWidth)} {Ms(side.Median),10} {Ms(side.P95),10} {Ms(side.P99),10} {Ms(side.Min),10} {Bytes(side.AllocatedBytesPerCall),12}");
                }

                text.AppendLine(Invariant,
                    $"{string.Empty.PadRight(nameWidth)} ratio of medians {F(result.RatioOfMedians, 3)} [95% CI {F(result.RatioInterval.Low, 3)}-{F(result.RatioInterval.High, 3)}], " +
                    $"paired median {F(result.MedianPairedRatio, 3)}, p95 ratio {F(result.RatioOfP95, 3)}, " +
                    $"{Extra(result.OverheadMicroseconds)}/call; {Target(result)}: {Verdict(result)}");
                text.AppendLine(Invariant,
                    $"{string.Empty.PadRight(nameWidth)} ({result.Elapsed.TotalSeconds:F1} s measured, {result.Gen0Collections} gen0 / {result.Gen2Collections} gen2 GCs, load avg after {result.LoadAverageAfter})");
            }
        }

        foreach (var table in tables)
        {
            text.AppendLine();
            text.Append(table.ToText());
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
        md.AppendLine(Invariant, $"Benchmark `{command}`{(options.Quick ? " (quick)" : string.Empty)}: {MethodLine}.");
        md.AppendLine();
        foreach (var (name, value) in machine.Describe())
        {
            md.AppendLine(Invariant, $"- {name}: {value}");
        }

        md.AppendLine(Invariant, $"- load average: {machine.LoadAverageAtStart} at start, {loadAverageAtEnd} at end");
        if (comparisons.Count > 0)
        {
            AppendComparisonsMarkdown(md);
        }

        foreach (var table in tables)
        {
            md.AppendLine();
            md.Append(table.ToMarkdown());
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

    private string MethodLine => Method ?? $"{options.WarmupRounds} warm-up + {options.Rounds} measured rounds per comparison, A/B interleaved (order alternates)";

    private void AppendComparisonsMarkdown(StringBuilder md)
    {
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
                $"{F(result.RatioOfP95, 3)} | {Extra(result.OverheadMicroseconds)} | {(double.IsNaN(result.Comparison.TargetRatio) ? "-" : "<= " + F(result.Comparison.TargetRatio, 2))} | {Verdict(result)} |");
        }
    }

    private static string F(double value, int decimals) => value.ToString("F" + decimals.ToString(Invariant), Invariant);

    private string Verdict(ComparisonResult result) => Verdict(result.Verdict);

    private static string Target(ComparisonResult result) =>
        double.IsNaN(result.Comparison.TargetRatio) ? "no target" : $"target <= {F(result.Comparison.TargetRatio, 2)}";

    /// <summary>A verdict as printed: marked as a smoke check on a quick run.</summary>
    public string Verdict(string verdict) =>
        options.Quick ? verdict + " - quick run, a smoke check only: quote full runs" : verdict;

    private static string Signed(double value) => value.ToString("+0;-0;0", Invariant);

    /// <summary>Extra time per call: in microseconds, or in milliseconds from 10 ms on (the durable benchmarks).</summary>
    private static string Extra(double microseconds) =>
        Math.Abs(microseconds) >= 10_000 ? (microseconds / 1000).ToString("+0.0;-0.0;0", Invariant) + " ms" : Signed(microseconds) + " us";

    private static string Ms(double milliseconds) => F(milliseconds, 3) + " ms";

    private static string Bytes(double bytes) =>
        double.IsNaN(bytes) ? "n/a" : bytes >= 1024 ? F(bytes / 1024, 1) + " KB" : F(bytes, 0) + " B";
}
