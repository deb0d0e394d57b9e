using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using Microsoft.DurableTask.Worker.Grpc;
using P = Microsoft.DurableTask.Protobuf;

namespace FuncTasks.Tests.Durable;

/// <summary>
/// Runs one orchestration episode or one entity batch the way the isolated worker does under the host: the host's
/// protobuf request in, through the SDK's own runners (GrpcOrchestrationRunner, GrpcEntityRunner) with the worker's
/// services, and the protobuf answer out. No backend is involved; the history is whatever the test writes.
/// </summary>
internal static class DurableWire
{
    public const string InstanceId = "01JWIRE0000000000000000000";

    public static P.HistoryEvent Started(string name, string? input) => Event(-1, e => e.ExecutionStarted = new P.ExecutionStartedEvent
    {
        Name = name,
        Input = input,
        OrchestrationInstance = new P.OrchestrationInstance { InstanceId = InstanceId, ExecutionId = "exec-1" },
    });

    public static P.HistoryEvent OrchestratorStarted() => Event(-1, e => e.OrchestratorStarted = new P.OrchestratorStartedEvent());

    public static P.HistoryEvent TaskScheduled(int id, string name) => Event(id, e => e.TaskScheduled = new P.TaskScheduledEvent { Name = name });

    public static P.HistoryEvent TaskCompleted(int scheduledId, string? result) =>
        Event(-1, e => e.TaskCompleted = new P.TaskCompletedEvent { TaskScheduledId = scheduledId, Result = result });

    public static P.HistoryEvent EventRaised(string name, string? input) => Event(-1, e => e.EventRaised = new P.EventRaisedEvent { Name = name, Input = input });

    /// <summary>One episode: <paramref name="past"/> already happened, <paramref name="fresh"/> is what the host delivers now.</summary>
    public static P.OrchestratorResponse RunOrchestration(
        ITaskOrchestrator orchestrator, IServiceProvider services, IEnumerable<P.HistoryEvent> past, IEnumerable<P.HistoryEvent> fresh)
    {
        var request = new P.OrchestratorRequest { InstanceId = InstanceId, ExecutionId = "exec-1" };
        request.PastEvents.AddRange(past);
        request.NewEvents.AddRange(fresh);
        var encoded = GrpcOrchestrationRunner.LoadAndRun(Convert.ToBase64String(request.ToByteArray()), orchestrator, services);
        return P.OrchestratorResponse.Parser.ParseFrom(Convert.FromBase64String(encoded));
    }

    /// <summary>The first episode of an orchestration started with <paramref name="input"/>.</summary>
    public static P.OrchestratorResponse Start(ITaskOrchestrator orchestrator, IServiceProvider services, string name, string? input) =>
        RunOrchestration(orchestrator, services, [], [Started(name, input), OrchestratorStarted()]);

    /// <summary>One batch of operations on an entity whose stored state is <paramref name="state"/>.</summary>
    public static async Task<P.EntityBatchResult> RunEntityAsync(
        ITaskEntity entity, IServiceProvider services, EntityInstanceId id, string? state, params (string Operation, string? Input)[] operations)
    {
        var request = new P.EntityBatchRequest { InstanceId = id.ToString(), EntityState = state };
        foreach (var (operation, input) in operations)
        {
            request.Operations.Add(new P.OperationRequest { Operation = operation, Input = input, RequestId = Guid.NewGuid().ToString() });
        }

        var encoded = await GrpcEntityRunner.LoadAndRunAsync(Convert.ToBase64String(request.ToByteArray()), entity, services);
        return P.EntityBatchResult.Parser.ParseFrom(Convert.FromBase64String(encoded));
    }

    /// <summary>
    /// The activity input as the host hands it to the worker: an orchestration schedules its activity with the input
    /// wrapped in a one-element array (DurableTask.Core's format), and the host's ActivityTrigger binding unwraps it.
    /// </summary>
    public static string? ActivityInput(P.ScheduleTaskAction schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (schedule.Input is null)
        {
            return null;
        }

        using var array = System.Text.Json.JsonDocument.Parse(schedule.Input);
        return array.RootElement.GetArrayLength() == 1
            ? array.RootElement[0].GetRawText()
            : throw new InvalidOperationException($"The activity input is expected to be an array with one element: {schedule.Input}");
    }

    /// <summary>The result of a completed orchestration, or a failure that names why it did not complete.</summary>
    public static string? Output(P.OrchestratorResponse response)
    {
        var complete = response.Actions.Select(a => a.CompleteOrchestration).SingleOrDefault(c => c is not null)
            ?? throw new InvalidOperationException($"The orchestration did not complete: {response}");
        return complete.OrchestrationStatus == P.OrchestrationStatus.Completed
            ? complete.Result
            : throw new InvalidOperationException($"The orchestration failed: {complete.FailureDetails}");
    }

    private static P.HistoryEvent Event(int id, Action<P.HistoryEvent> set)
    {
        var e = new P.HistoryEvent { EventId = id, Timestamp = Timestamp.FromDateTime(DateTime.UtcNow) };
        set(e);
        return e;
    }
}
