using FuncTasks.Testing;

namespace FuncTasks.Benchmarks.Durable;

/// <summary>One timed call of a <c>job-latency</c> side: when it was sent, when the start call returned, when completion was seen.</summary>
internal sealed record CallMark(string Id, DateTimeOffset Sent, DateTimeOffset Accepted, DateTimeOffset Observed);

/// <summary>
/// Where one job's (or bare orchestration's) time went, from the client's marks, the orchestration's history and, for
/// jobs, the record's timestamps. All clocks are this process's UTC clock. Phases a side does not have are null.
/// </summary>
internal sealed record JobTimeline(
    double StartCall,
    double ToFirstEpisode,
    double? AcquireAnswered,
    double? AcquireToEpisode,
    double ScheduledToActivityDone,
    double? ScheduledToRecordStarted,
    double? RecordStartedToFinished,
    double? RecordFinishedToActivityDone,
    double ActivityDoneToLastEpisode,
    double LastEpisodeToCompleted,
    double CompletedToObserved,
    double Total,
    double? ToRecordFinished,
    int Episodes)
{
    public static JobTimeline From(CallMark mark, IReadOnlyList<HistoryRow> history, JobRecord? record)
    {
        var episodes = history.Where(r => r.EventType == "OrchestratorStarted").ToList();
        var scheduled = history.FirstOrDefault(r => r.EventType == "TaskScheduled")
            ?? throw new InvalidOperationException($"{mark.Id}: no TaskScheduled in its history ({history.Count} rows: {string.Join(", ", history.Select(h => h.EventType))})");
        var scheduledIn = episodes.Last(e => e.Sequence < scheduled.Sequence);
        var done = history.First(r => r.EventType == "TaskCompleted");
        var last = episodes.Last();
        var completed = history.First(r => r.EventType == "ExecutionCompleted");
        var answer = history.FirstOrDefault(r => r.EventType == "EventRaised" && r.Sequence < scheduled.Sequence);

        return new JobTimeline(
            Ms(mark.Sent, mark.Accepted),
            Ms(mark.Accepted, episodes[0].Timestamp),
            answer is null ? null : Ms(episodes[0].Timestamp, answer.Timestamp),
            answer is null ? null : Ms(answer.Timestamp, scheduledIn.Timestamp),
            Ms(scheduledIn.Timestamp, done.Timestamp),
            record?.StartedAt is { } s1 ? Ms(scheduledIn.Timestamp, s1) : null,
            record is { StartedAt: { } s2, FinishedAt: { } f2 } ? Ms(s2, f2) : null,
            record?.FinishedAt is { } f3 ? Ms(f3, done.Timestamp) : null,
            Ms(done.Timestamp, last.Timestamp),
            Ms(last.Timestamp, completed.Timestamp),
            Ms(completed.Timestamp, mark.Observed),
            Ms(mark.Sent, mark.Observed),
            record?.FinishedAt is { } f4 ? Ms(mark.Sent, f4) : null,
            episodes.Count);
    }

    private static double Ms(DateTimeOffset from, DateTimeOffset to) => (to - from).TotalMilliseconds;

    /// <summary>The phases in order: a label and how to read the phase from a timeline.</summary>
    public static IReadOnlyList<(string Label, Func<JobTimeline, double?> Value)> Phases { get; } =
    [
        ("start call: POST $execute (job) / ScheduleNewOrchestrationInstanceAsync (bare)", t => t.StartCall),
        ("start call returned -> first episode began (control-queue pickup)", t => t.ToFirstEpisode),
        ("gate, only jobs told of their permit (not watched): episode 1 -> the event", t => t.AcquireAnswered),
        ("gate, only jobs told of their permit: the event -> the episode that scheduled RunJob", t => t.AcquireToEpisode),
        ("episode that scheduled the activity began -> TaskCompleted (activity done)", t => t.ScheduledToActivityDone),
        ("  of which: episode began -> record started_at (work-item pickup, record read)", t => t.ScheduledToRecordStarted),
        ("  of which: started_at -> finished_at (mark-running write, function, artifact blob + index, record read)", t => t.RecordStartedToFinished),
        ("  of which: finished_at -> TaskCompleted (finish write, return)", t => t.RecordFinishedToActivityDone),
        ("TaskCompleted -> last episode began (control-queue pickup)", t => t.ActivityDoneToLastEpisode),
        ("last episode began -> ExecutionCompleted (release signal, finish)", t => t.LastEpisodeToCompleted),
        ("ExecutionCompleted -> client saw it (checkpoint, 25 ms client polling)", t => t.CompletedToObserved),
        ("total: start call -> client saw completion", t => t.Total),
        ("for reference: start call -> record finished_at (what a client polling the record could see)", t => t.ToRecordFinished),
    ];
}
