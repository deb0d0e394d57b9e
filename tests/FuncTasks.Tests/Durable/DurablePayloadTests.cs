using System.Reflection;
using System.Text.Json;
using FuncTasks.Execution;
using FuncTasks.Gate;
using FuncTasks.Jobs;
using FuncTasks.Schedules;
using FuncTasks.Tasks;
using FuncTasks.Testing.Durable;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.DependencyInjection;

namespace FuncTasks.Tests.Durable;

/// <summary>
/// Every type that crosses a durable boundary, pushed through the converters the isolated worker really uses under
/// the Functions host (the app's own registration, the Durable extension's orchestration context and activity
/// binding, the SDK's protobuf runners), both ways. A payload that loses a field on the host's path fails here.
/// </summary>
public sealed class DurablePayloadTests
{
    private static readonly IsolatedWorkerDurable Worker = IsolatedWorkerDurable.ForApp;
    private static readonly JsonSerializerOptions Canonical = new(JsonSerializerDefaults.General);

    // A name, not a literal: the Durable analyzer would look for an activity of that name in the app.
    private static readonly string EchoActivity = "EchoActivity";

    public static TheoryData<string> PayloadTypes => [.. DurablePayloadSamples.All.Keys.Select(t => t.FullName!)];

    [Fact]
    public void EveryPayloadType_OfTheAppsDurableFunctions_HasASample()
    {
        var missing = DurablePayloadSamples.Discover().Where(t => !DurablePayloadSamples.All.ContainsKey(t)).Select(t => t.FullName).ToList();
        Assert.True(missing.Count == 0, $"Add a sample to DurablePayloadSamples for: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Samples_SetEveryProperty_SoALostOneShows()
    {
        foreach (var sample in DurablePayloadSamples.All.Values.Where(s => s.GetType().Assembly == typeof(JobRun).Assembly))
        {
            foreach (var property in sample.GetType().GetProperties(BindingFlags.Instance | BindingFlags.Public).Where(p => p.GetIndexParameters().Length == 0))
            {
                var value = property.GetValue(sample);
                var unset = value is null || (property.PropertyType.IsValueType && Nullable.GetUnderlyingType(property.PropertyType) is null
                    && value.Equals(Activator.CreateInstance(property.PropertyType)));
                Assert.False(unset, $"{sample.GetType().Name}.{property.Name} is unset in its sample.");
            }
        }
    }

    [Theory]
    [MemberData(nameof(PayloadTypes))]
    public void OrchestrationInput_FromTheClient_ReachesTheFunctionAndItsOutputTheClient(string typeName) =>
        Run(typeName, nameof(ClientToOrchestrationToClient));

    [Theory]
    [MemberData(nameof(PayloadTypes))]
    public void ActivityInput_FromAnOrchestration_BindsToTheActivityParameter(string typeName) =>
        Run(typeName, nameof(OrchestrationToActivity));

    [Theory]
    [MemberData(nameof(PayloadTypes))]
    public void ActivityOutput_ReachesTheOrchestration(string typeName) =>
        Run(typeName, nameof(ActivityToOrchestration));

    [Theory]
    [MemberData(nameof(PayloadTypes))]
    public void EventPayload_FromTheClient_ReachesTheWaitingOrchestration(string typeName) =>
        Run(typeName, nameof(ClientEventToOrchestration));

    [Fact]
    public async Task JobOrchestrator_FunctionEntryPoint_HandsRunJobTheJobRunIntact()
    {
        var run = DurablePayloadSamples.Get<JobRun>() with { UseGate = false, ScheduledFor = null, AfterJobId = null };

        var response = DurableWire.Start(
            FunctionOrchestrator.For(JobOrchestrator.Name, JobDurableFunctions.Orchestrate), Worker.Services,
            JobOrchestrator.Name, Worker.ClientConverter.Serialize(run));

        var schedule = Assert.Single(response.Actions, a => a.ScheduleTask is not null).ScheduleTask;
        Assert.Equal(JobOrchestrator.RunJobActivity, schedule.Name);
        var bound = await Worker.BindActivityInputAsync(DurableWire.ActivityInput(schedule), typeof(JobRun), JobOrchestrator.RunJobActivity);
        AssertSame(run with { Attempt = 1 }, bound, typeof(JobRun)); // the orchestration numbers the attempts
    }

    [Fact]
    public async Task Gate_StateOperationsAndWaker_SurviveTheWorkerAndTheClient()
    {
        var services = Worker.Services;
        const string a = "01JJOBA0000000000000000000", b = "01JJOBB0000000000000000000";

        // The client sets the limit (a signal); two jobs ask from their orchestrations, one watched, one to be told.
        var first = await DurableWire.RunEntityAsync(ActivatorUtilities.CreateInstance<ConcurrencyGate>(services), services, ConcurrencyGate.Id, state: null,
            (ConcurrencyGate.Operations.SetLimit, Worker.ClientConverter.Serialize(1)),
            (ConcurrencyGate.Operations.AcquireWatched, Worker.WorkerConverter.Serialize(a)),
            (ConcurrencyGate.Operations.Acquire, Worker.WorkerConverter.Serialize(b)));

        var state = Worker.ClientConverter.Deserialize<GateState>(first.EntityState)!;
        Assert.Equal(1, state.LimitOverride);
        Assert.Equal([a], state.Held);
        Assert.Equal([b], state.Queue);
        Assert.Empty(first.Actions); // the first job's RunJob watches the state: nobody tells it

        // The first job's release admits the second: a waker tells it.
        var second = await DurableWire.RunEntityAsync(ActivatorUtilities.CreateInstance<ConcurrencyGate>(services), services, ConcurrencyGate.Id,
            first.EntityState, (ConcurrencyGate.Operations.Release, Worker.WorkerConverter.Serialize(a)));
        Assert.Equal([b], Worker.ClientConverter.Deserialize<GateState>(second.EntityState)!.Held);
        AssertWaker(Assert.Single(second.Actions).StartNewOrchestration, b);
    }

    /// <summary>The waker, run as its Functions entry point, tells the job with the event its orchestration waits for.</summary>
    private static void AssertWaker(Microsoft.DurableTask.Protobuf.StartNewOrchestrationAction start, string jobId)
    {
        Assert.Equal(PermitWaker.Name, start.Name);
        var waker = DurableWire.Start(FunctionOrchestrator.For(PermitWaker.Name, GateDurableFunctions.Wake), Worker.Services, PermitWaker.Name, start.Input);
        var told = Assert.Single(waker.Actions, a => a.SendEvent is not null).SendEvent;
        Assert.Equal(jobId, told.Instance.InstanceId);
        Assert.Equal(PermitWaker.PermitGrantedEvent, told.Name);
        Assert.Equal(jobId, Worker.WorkerConverter.Deserialize<string>(told.Data));
    }

    private static void Run(string typeName, string path)
    {
        var type = DurablePayloadSamples.All.Keys.Single(t => t.FullName == typeName);
        var method = typeof(DurablePayloadTests).GetMethod(path, BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(type);
        try
        {
            method.Invoke(null, [DurablePayloadSamples.All[type]]);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }

    private static void ClientToOrchestrationToClient<T>(T sample)
    {
        var response = DurableWire.Start(
            FunctionOrchestrator.For("Echo", context => Task.FromResult(context.GetInput<T>())), Worker.Services, "Echo", Worker.ClientConverter.Serialize(sample));
        AssertSame(sample, Worker.ClientConverter.Deserialize<T>(DurableWire.Output(response)), typeof(T));
    }

    private static void OrchestrationToActivity<T>(T sample)
    {
        var response = DurableWire.Start(
            FunctionOrchestrator.For("Echo", async context => await context.CallActivityAsync<T>(EchoActivity, sample)), Worker.Services, "Echo", null);
        var schedule = Assert.Single(response.Actions, a => a.ScheduleTask is not null).ScheduleTask;
        AssertSame(sample, Worker.BindActivityInputAsync(DurableWire.ActivityInput(schedule), typeof(T), EchoActivity).GetAwaiter().GetResult(), typeof(T));
    }

    private static void ActivityToOrchestration<T>(T sample)
    {
        // What the worker sends the host as the activity function's return value, delivered back in the history.
        var returned = Worker.WorkerSerializer.Serialize(sample, typeof(T), CancellationToken.None).ToString();
        var response = DurableWire.RunOrchestration(
            FunctionOrchestrator.For("Echo", async context => await context.CallActivityAsync<T>(EchoActivity)), Worker.Services,
            past: [DurableWire.Started("Echo", null), DurableWire.OrchestratorStarted(), DurableWire.TaskScheduled(0, EchoActivity)],
            fresh: [DurableWire.OrchestratorStarted(), DurableWire.TaskCompleted(0, returned)]);
        AssertSame(sample, Worker.ClientConverter.Deserialize<T>(DurableWire.Output(response)), typeof(T));
    }

    private static void ClientEventToOrchestration<T>(T sample)
    {
        var response = DurableWire.RunOrchestration(
            FunctionOrchestrator.For("Echo", async context => await context.WaitForExternalEvent<T>("echo")), Worker.Services,
            past: [DurableWire.Started("Echo", null), DurableWire.OrchestratorStarted()],
            fresh: [DurableWire.OrchestratorStarted(), DurableWire.EventRaised("echo", Worker.ClientConverter.Serialize(sample))]);
        AssertSame(sample, Worker.ClientConverter.Deserialize<T>(DurableWire.Output(response)), typeof(T));
    }

    private static void AssertSame(object? expected, object? actual, Type type) =>
        Assert.Equal(JsonSerializer.Serialize(expected, type, Canonical), JsonSerializer.Serialize(actual, type, Canonical));
}

/// <summary>One value of each type that crosses a durable boundary, every property set.</summary>
internal static class DurablePayloadSamples
{
    private const string JobId = "01JJOB00000000000000000000";
    private static readonly DateTimeOffset At = new(2026, 11, 27, 12, 0, 0, 123, TimeSpan.Zero);

    private static readonly TaskDefinition Task = new(
        "01JTASK0000000000000000000", "echo hi", TaskType.Shell, JsonDocument.Parse("""{"name": "Ada", "n": [1, 2.5, null]}""").RootElement,
        new Dictionary<string, string> { ["GREETING"] = "hi" }, true, ["demo"], 30, new FuncTasks.Tasks.RetryPolicy(3, 1.5, 2), At, At.AddMinutes(1))
    {
        DisabledReason = "function_missing",
    };

    public static IReadOnlyDictionary<Type, object> All { get; } = new Dictionary<Type, object>
    {
        [typeof(JobRun)] = new JobRun(JobId, Task, Task.Params, Task.Env, 30, "01JART00000000000000000000", true)
        {
            WatchForPermit = true,
            PermitGrantedAt = At.AddSeconds(2),
            Attempt = 2,
            ScheduledFor = At.AddMinutes(10),
            ScheduleId = "01JSCHED000000000000000000",
            AfterJobId = "01JJOB00000000000000000002",
        },
        [typeof(JobOutcome)] = new JobOutcome(JobStatus.Failed, new JobError("timeout", "Timed out after 30 s.")),
        [typeof(JobFailure)] = new JobFailure(JobId, "internal_error", "boom"),
        [typeof(GateState)] = new GateState
        {
            LimitOverride = 3,
            Held = [JobId],
            Queue = ["01JJOB00000000000000000001"],
            OverflowAfter = "01JJOB00000000000000000001",
            Overflowed = 2,
            ToWake = [JobId],
            WakerSentAt = At,
            Wakers = 7,
        },
        [typeof(GateSnapshot)] = new GateSnapshot(3, 1, 1, [JobId]),
        [typeof(ScheduleWake)] = new ScheduleWake(true, At.AddSeconds(59)),
        [typeof(ScheduledJobEnded)] = new ScheduledJobEnded("01JSCHED000000000000000000", JobId),
        [typeof(string)] = JobId,
        [typeof(string[])] = new[] { JobId, "01JJOB00000000000000000001" },
        [typeof(int)] = 7,
        [typeof(bool)] = true,
    };

    public static T Get<T>() => (T)All[typeof(T)];

    /// <summary>
    /// The payload types of the app's durable functions: orchestrator inputs and outputs, activity inputs and outputs,
    /// entity state and operation inputs and results, and the events' payloads (job ids).
    /// </summary>
    public static IEnumerable<Type> Discover()
    {
        var found = new HashSet<Type> { typeof(string) };
        foreach (var type in typeof(JobOrchestrator).Assembly.GetTypes())
        {
            for (var t = type.BaseType; t is not null; t = t.BaseType)
            {
                if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(TaskOrchestrator<,>))
                {
                    found.UnionWith(t.GetGenericArguments());
                }

                if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(TaskEntity<>))
                {
                    found.Add(t.GetGenericArguments()[0]);
                    foreach (var operation in type.GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.DeclaredOnly).Where(m => !m.IsSpecialName))
                    {
                        found.UnionWith(operation.GetParameters().Select(p => p.ParameterType));
                        AddResult(found, operation.ReturnType);
                    }
                }
            }

            foreach (var method in type.GetMethods(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public))
            {
                if (method.GetParameters().FirstOrDefault(p => p.GetCustomAttribute<ActivityTriggerAttribute>() is not null) is { } input)
                {
                    found.Add(input.ParameterType);
                    AddResult(found, method.ReturnType);
                }
            }
        }

        return found;
    }

    private static void AddResult(HashSet<Type> found, Type returned)
    {
        var result = returned.IsGenericType && (returned.GetGenericTypeDefinition() == typeof(Task<>) || returned.GetGenericTypeDefinition() == typeof(ValueTask<>))
            ? returned.GetGenericArguments()[0]
            : returned;
        if (result != typeof(void) && result != typeof(Task) && result != typeof(ValueTask))
        {
            found.Add(result);
        }
    }
}
