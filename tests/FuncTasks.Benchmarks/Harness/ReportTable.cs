using System.Globalization;
using System.Text;

namespace FuncTasks.Benchmarks.Harness;

/// <summary>
/// A titled table of figures that are not an A/B pair: latency series, throughput per configuration,
/// a breakdown of where the time goes. Printed as aligned text (stdout) and as Markdown (--out).
/// </summary>
internal sealed class ReportTable(string title, params string[] headers)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private readonly List<string[]> rows = [];

    public string Title { get; } = title;

    public IReadOnlyList<string> Headers { get; } = headers;

    public IReadOnlyList<string[]> Rows => rows;

    public ReportTable Row(params string[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Length != Headers.Count)
        {
            throw new ArgumentException($"'{Title}' has {Headers.Count} columns, not {cells.Length}.", nameof(cells));
        }

        rows.Add(cells);
        return this;
    }

    /// <summary>Columns whose header is one of these are left-aligned; the others (figures) right-aligned.</summary>
    private bool IsTextColumn(int column) => column == 0 || rows.Any(r => r[column].Length > 0 && !char.IsAsciiDigit(r[column][0]) && r[column][0] is not ('-' or '+' or '<' or '>' or '~'));

    public string ToText()
    {
        var text = new StringBuilder();
        text.AppendLine(Title);
        var widths = Enumerable.Range(0, Headers.Count).Select(c => Math.Max(Headers[c].Length, rows.Count == 0 ? 0 : rows.Max(r => r[c].Length))).ToArray();
        string Line(IReadOnlyList<string> cells) => string.Join("  ", cells.Select((cell, c) => IsTextColumn(c) ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd();
        text.AppendLine(Invariant, $"  {Line(Headers)}");
        foreach (var row in rows)
        {
            text.AppendLine(Invariant, $"  {Line(row)}");
        }

        return text.ToString();
    }

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine(Invariant, $"**{Title}**");
        md.AppendLine();
        md.AppendLine(Invariant, $"| {string.Join(" | ", Headers)} |");
        md.AppendLine(Invariant, $"| {string.Join(" | ", Headers.Select((_, c) => IsTextColumn(c) ? "---" : "---:"))} |");
        foreach (var row in rows)
        {
            md.AppendLine(Invariant, $"| {string.Join(" | ", row)} |");
        }

        return md.ToString();
    }
}
