using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace FuncTasks.Benchmarks.BareApp;

/// <summary>
/// The Functions timer trigger on a 1-second schedule, the anchor of <c>schedule-lateness</c>: each invocation notes
/// when it began, and <c>GET /api/bare/timer-runs</c> lists them. Off unless the harness
/// turns it on: every other benchmark starts the bare app with <c>AzureWebJobs_BareTimer_Disabled=true</c>, so its
/// listener does not run there.
/// </summary>
public static class BareTimer
{
    public const string Name = "BareTimer";

    private static readonly ConcurrentQueue<TimerRun> Runs = new();

    /// <summary>
    /// Notes when the invocation began. The occurrence it ran for is not given to it: the host turns the schedule monitor
    /// (<c>ScheduleStatus</c>) off for schedules more frequent than once a minute, even with <c>UseMonitor = true</c>, so the
    /// harness works the occurrence out from the order of the invocations, as the host's timer listener does.
    /// </summary>
    [Function(Name)]
    public static void Tick([TimerTrigger("* * * * * *")] TimerInfo timer)
    {
        var ran = DateTimeOffset.UtcNow;
        ArgumentNullException.ThrowIfNull(timer);
        Runs.Enqueue(new TimerRun(ran, timer.IsPastDue, timer.ScheduleStatus is not null));
    }

    /// <summary><c>GET /api/bare/timer-runs</c> (function key): every invocation so far, oldest first.</summary>
    [Function("BareTimerRuns")]
    public static IActionResult List([HttpTrigger(AuthorizationLevel.Function, "get", Route = "bare/timer-runs")] HttpRequest request) =>
        new OkObjectResult(Runs.ToArray());
}

/// <summary>One timer invocation: when its body began, whether the host said it was past due, whether it had a schedule status.</summary>
public sealed record TimerRun(DateTimeOffset Ran, bool IsPastDue, bool HasStatus);
