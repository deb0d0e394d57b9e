using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace FuncTasks.Benchmarks.BareApp;

/// <summary>
/// The Functions timer trigger on a 1-second schedule, the anchor of <c>schedule-lateness</c>: each invocation notes
/// when it began and the occurrence it ran for, and <c>GET /api/bare/timer-runs</c> lists them. Off unless the harness
/// turns it on: every other benchmark starts the bare app with <c>AzureWebJobs_BareTimer_Disabled=true</c>, so its
/// listener does not run there.
/// </summary>
public static class BareTimer
{
    public const string Name = "BareTimer";

    private static readonly ConcurrentQueue<TimerRun> Runs = new();

    /// <summary>
    /// <c>UseMonitor</c> is on so that the invocation is told its occurrence: the host's <c>ScheduleStatus.Next</c> is the
    /// occurrence it computed after the previous invocation, the one this invocation runs for (without the monitor a
    /// sub-minute timer gets no status). It costs a status blob write after each invocation, not before it.
    /// </summary>
    [Function(Name)]
    public static void Tick([TimerTrigger("* * * * * *", UseMonitor = true)] TimerInfo timer)
    {
        var ran = DateTimeOffset.UtcNow;
        ArgumentNullException.ThrowIfNull(timer);
        Runs.Enqueue(new TimerRun(ran, Utc(timer.ScheduleStatus?.Next), Utc(timer.ScheduleStatus?.Last), timer.IsPastDue));
    }

    /// <summary><c>GET /api/bare/timer-runs</c> (function key): every invocation so far, oldest first.</summary>
    [Function("BareTimerRuns")]
    public static IActionResult List([HttpTrigger(AuthorizationLevel.Function, "get", Route = "bare/timer-runs")] HttpRequest request) =>
        new OkObjectResult(Runs.ToArray());

    /// <summary>The host computes the schedule in its local time (DateTime without an offset); the worker runs on the same machine.</summary>
    private static DateTimeOffset? Utc(DateTime? value) => value switch
    {
        null => null,
        { Kind: DateTimeKind.Utc } utc => new DateTimeOffset(utc),
        { } local => new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Local)).ToUniversalTime(),
    };
}

/// <summary>One timer invocation: when it began, the occurrence it ran for (the status's Next) and the one before.</summary>
public sealed record TimerRun(DateTimeOffset Ran, DateTimeOffset? Occurrence, DateTimeOffset? Previous, bool IsPastDue);
