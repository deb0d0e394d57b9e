using System.Text.Json;
using FuncTasks.Benchmarks.Durable;
using FuncTasks.Testing;

namespace FuncTasks.Benchmarks.Hosted;

/// <summary>
/// One call of a <c>host-latency</c> side: the start call, when the client saw the end it polls for (a job's record
/// <c>completed</c>, a bare orchestration's status Completed) with that last answer, and for jobs when the client then
/// saw the job's orchestration Completed on its Durable status URL.
/// </summary>
internal sealed record HostCall(StartedCall Started, DateTimeOffset Seen, JsonElement Last, DateTimeOffset? OrchestrationSeen = null)
{
    /// <summary>The job's record as the last poll read it (null for a bare orchestration).</summary>
    public JobRecord? Record => Last.ValueKind == JsonValueKind.Object && Last.TryGetProperty("submitted_at", out _) ? JobRecord.From(Last) : null;
}

/// <summary>
/// Where one call's time went under the host, from the client's marks, the orchestration's history (the host's Durable
/// extension stamps every event, as the test engine does) and, for jobs, the record's timestamps. All clocks are this
/// machine's. Phases a side does not have are null.
/// </summary>
internal sealed record HostTimeline(
    double StartCall,
    double ToFirstEpisode,
    double? AcquireAnswered,
    double? AcquireToEpisode,
    double? EpisodeToRecordStarted,
    double? RecordStartedToFinished,
    double? RecordFinishedToSeen,
    double EpisodeToActivityDone,
    double ActivityDoneToLastEpisode,
    double LastEpisodeToCompleted,
    double? CompletedToSeen,
    double Total,
    double ToExecutionCompleted,
    double? ToRecordFinished,
    int Episodes)
{
    public static HostTimeline From(HostCall call, IReadOnlyList<HistoryRow> history)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(history);
        var id = call.Started.Id;
        var episodes = history.Where(r => r.EventType == "OrchestratorStarted").ToList();
        var scheduled = history.FirstOrDefault(r => r.EventType == "TaskScheduled")
            ?? throw new InvalidOperationException($"{id}: no TaskScheduled in its history ({history.Count} rows: {string.Join(", ", history.Select(h => h.EventType))})");
        var scheduledIn = episodes.Last(e => e.Sequence < scheduled.Sequence);
        var done = history.First(r => r.EventType == "TaskCompleted");
        var last = episodes.Last();
        var completed = history.First(r => r.EventType == "ExecutionCompleted");
        var answer = history.FirstOrDefault(r => r.EventType == "EventRaised" && r.Sequence < scheduled.Sequence);
        var record = call.Record;
        var (sent, accepted, seen) = (call.Started.Sent, call.Started.Accepted, call.Seen);

        return new HostTimeline(
            Ms(sent, accepted),
            Ms(accepted, episodes[0].Timestamp),
            answer is null ? null : Ms(episodes[0].Timestamp, answer.Timestamp),
            answer is null ? null : Ms(answer.Timestamp, scheduledIn.Timestamp),
            record?.StartedAt is { } started ? Ms(scheduledIn.Timestamp, started) : null,
            record is { StartedAt: { } s, FinishedAt: { } f } ? Ms(s, f) : null,
            record?.FinishedAt is { } finished ? Ms(finished, seen) : null,
            Ms(scheduledIn.Timestamp, done.Timestamp),
            Ms(done.Timestamp, last.Timestamp),
            Ms(last.Timestamp, completed.Timestamp),
            record is null ? Ms(completed.Timestamp, seen) : null,
            Ms(sent, seen),
            Ms(sent, completed.Timestamp),
            record?.FinishedAt is { } end ? Ms(sent, end) : null,
            episodes.Count);
    }

    private static double Ms(DateTimeOffset from, DateTimeOffset to) => (to - from).TotalMilliseconds;

    /// <summary>The phases in order: a label and how to read the phase from a timeline.</summary>
    public static IReadOnlyList<(string Label, Func<HostTimeline, double?> Value)> Phases { get; } =
    [
        ("start call: POST $execute (job) / POST bare/start (bare) -> 202", t => t.StartCall),
        ("202 -> first episode began (control-queue pickup)", t => t.ToFirstEpisode),
        ("gate, only jobs told of their permit (not watched): episode 1 -> the event", t => t.AcquireAnswered),
        ("gate, only jobs told of their permit: the event -> the episode that scheduled RunJob", t => t.AcquireToEpisode),
        ("episode that scheduled the activity began -> TaskCompleted (activity done)", t => t.EpisodeToActivityDone),
        ("  of which: episode began -> record started_at (work-item pickup, record read and write)", t => t.EpisodeToRecordStarted),
        ("  of which: started_at -> finished_at (function, artifact blob + index row, record read)", t => t.RecordStartedToFinished),
        ("job: record finished_at -> client saw `completed` (its GET polling)", t => t.RecordFinishedToSeen),
        ("TaskCompleted -> last episode began (control-queue pickup)", t => t.ActivityDoneToLastEpisode),
        ("last episode began -> ExecutionCompleted (release signal, finish)", t => t.LastEpisodeToCompleted),
        ("bare: ExecutionCompleted -> client saw Completed (checkpoint, its GET polling)", t => t.CompletedToSeen),
        ("total: start call -> client saw the end (the timed figure)", t => t.Total),
        ("for reference: start call -> ExecutionCompleted (the orchestration's end)", t => t.ToExecutionCompleted),
        ("for reference: start call -> record finished_at", t => t.ToRecordFinished),
    ];
}
