using System.Text.Json;
using System.Text.Json.Serialization;

namespace FuncTasks.Schedules;

/// <summary>What a schedule does when an occurrence comes while its previous job has not finished.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OverlapPolicy>))]
public enum OverlapPolicy
{
    Skip,
    Allow,
    BufferOne,
    CancelPrevious,
}

/// <summary>What one fire of a schedule did.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FireOutcome>))]
public enum FireOutcome
{
    Started,
    SkippedOverlap,
    Buffered,
    CanceledPrevious,
    SkippedTaskDisabled,
}

/// <summary>The writable fields of a schedule, as a client sends them on create and replace.</summary>
public sealed record ScheduleSpec(
    string TaskId,
    string Cron,
    string TimeZone,
    JsonElement? Params,
    IReadOnlyDictionary<string, string> Env,
    bool Enabled,
    OverlapPolicy Overlap,
    int CatchUpSeconds,
    DateTimeOffset? StartAt,
    DateTimeOffset? EndAt,
    IReadOnlyList<string> Tags);

/// <summary>
/// A stored schedule: what clients write (the spec, kept in one row whose ETag is the schedule's). What the driver
/// writes as it fires lives in its own row (<see cref="ScheduleState"/>), so a fire never invalidates a client's If-Match.
/// </summary>
public sealed record ScheduleDefinition(string Id, ScheduleSpec Spec, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    /// <summary>Why the app paused the schedule (its task was gone when it fired); null otherwise.</summary>
    public string? DisabledReason { get; init; }

    /// <summary>
    /// The calendar counts from here: the schedule's creation, or its last change (a PUT applies from the next
    /// occurrence; a resume does not catch up the paused time).
    /// </summary>
    public DateTimeOffset ActiveFrom => UpdatedAt;

    /// <summary>An occurrence this recent fires even with <c>catch_up_seconds</c> 0: the driver's own wake-up takes some time.</summary>
    public static readonly TimeSpan OnTimeGrace = TimeSpan.FromSeconds(5);

    /// <summary>Where the calendar goes on from: after the last occurrence the driver dealt with, and never before <see cref="ActiveFrom"/>.</summary>
    public DateTimeOffset CountsFrom(ScheduleState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Cursor is { } cursor && cursor > ActiveFrom ? cursor : ActiveFrom;
    }

    /// <summary>How old a due occurrence may be and still fire: <c>catch_up_seconds</c>, and at least <see cref="OnTimeGrace"/>.</summary>
    public TimeSpan CatchUpWindow => TimeSpan.FromSeconds(Math.Max(Spec.CatchUpSeconds, OnTimeGrace.TotalSeconds));
}

/// <summary>One fire, as <c>last_fire</c> shows it.</summary>
public sealed record ScheduleFire(DateTimeOffset ScheduledFor, DateTimeOffset FiredAt, FireOutcome Outcome, string? JobId);

/// <summary>The job of a <c>buffer_one</c> schedule that waits for <see cref="After"/> to end.</summary>
public sealed record BufferedJob(string JobId, string After);

/// <summary>What the schedule's driver has done: the occurrences it has dealt with, counts, and its latest job.</summary>
public sealed record ScheduleState(
    DateTimeOffset? Cursor,
    long Fires,
    long MissedFires,
    ScheduleFire? LastFire,
    string? LastJobId,
    BufferedJob? Buffered)
{
    public static readonly ScheduleState Initial = new(null, 0, 0, null, null, null);
}

/// <summary>A schedule as the API shows it.</summary>
public sealed record ScheduleView(
    string Id,
    string TaskId,
    string Cron,
    string TimeZone,
    JsonElement? Params,
    IReadOnlyDictionary<string, string> Env,
    bool Enabled,
    OverlapPolicy Overlap,
    int CatchUpSeconds,
    DateTimeOffset? StartAt,
    DateTimeOffset? EndAt,
    IReadOnlyList<string> Tags,
    IReadOnlyList<DateTimeOffset> NextRuns,
    ScheduleFire? LastFire,
    long Fires,
    long MissedFires,
    string? DisabledReason,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);
