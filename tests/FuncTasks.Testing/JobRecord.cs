using System.Text.Json;

namespace FuncTasks.Testing;

/// <summary>A job's run as its record tells it.</summary>
public sealed record JobRecord(string Id, string Status, DateTimeOffset SubmittedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
    DateTimeOffset? PermitRequestedAt, DateTimeOffset? PermitGrantedAt, string? ArtifactId, string? ErrorType, JsonElement Json)
{
    /// <summary>Reads a job as the API shows it (kept whole, in <see cref="Json"/>, as a copy of its own).</summary>
    public static JobRecord From(JsonElement job) => new(
        job.GetProperty("id").GetString()!,
        job.GetProperty("status").GetString()!,
        job.GetProperty("submitted_at").GetDateTimeOffset(),
        Time(job, "started_at"),
        Time(job, "finished_at"),
        Time(job, "permit_requested_at"),
        Time(job, "permit_granted_at"),
        job.GetProperty("artifact_id").ValueKind == JsonValueKind.String ? job.GetProperty("artifact_id").GetString() : null,
        job.GetProperty("error").ValueKind == JsonValueKind.Object ? job.GetProperty("error").GetProperty("type").GetString() : null,
        job.Clone());

    public bool IsFinished => Status is "completed" or "failed" or "canceled";

    public override string ToString() =>
        $"{Id} {Status} submitted {T(SubmittedAt)} permit requested {T(PermitRequestedAt)} granted {T(PermitGrantedAt)} " +
        $"started {T(StartedAt)} finished {T(FinishedAt)}{(ErrorType is null ? string.Empty : $" error {ErrorType}")}";

    private static string T(DateTimeOffset? t) => t?.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture) ?? "-";

    private static DateTimeOffset? Time(JsonElement job, string name) =>
        job.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetDateTimeOffset() : null;
}

public static class JobRecords
{
    /// <summary>
    /// The most jobs running at one instant, by a sweep line over their [started_at, finished_at] intervals (an interval
    /// that ends at the instant another starts does not overlap it; a job not finished runs on).
    /// </summary>
    public static int PeakRunning(IEnumerable<JobRecord> jobs)
    {
        var changes = jobs.Where(j => j.StartedAt is not null)
            .SelectMany(j => new[] { (At: j.StartedAt!.Value, Delta: 1), (At: j.FinishedAt ?? DateTimeOffset.MaxValue, Delta: -1) })
            .OrderBy(c => c.At).ThenBy(c => c.Delta);
        int running = 0, peak = 0;
        foreach (var change in changes)
        {
            running += change.Delta;
            peak = Math.Max(peak, running);
        }

        return peak;
    }
}
