using Microsoft.DurableTask;
using Microsoft.DurableTask.Converters;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FuncTasks.Testing.Durable;

/// <summary>
/// Settings of a <see cref="DurableTestHost"/>: the Azure Storage backend (the one the Functions host uses)
/// on Azurite, tuned for tests (fast polling, short lease and visibility timeouts).
/// </summary>
public sealed class DurableTestHostOptions
{
    /// <summary>The storage account, normally Azurite's connection string.</summary>
    public required string StorageConnectionString { get; init; }

    /// <summary>The task hub; unique per test. Letters and digits, starting with a letter, 3 to 45 characters.</summary>
    public required string TaskHubName { get; init; }

    /// <summary>Passed to the registered factories; the host creates one DI scope per work item.</summary>
    public required IServiceProvider Services { get; init; }

    /// <summary>Serializes inputs, outputs, events and entity state in the worker shims (and in the client, unless <see cref="ClientDataConverter"/> is set).</summary>
    public DataConverter DataConverter { get; init; } = JsonDataConverter.Default;

    /// <summary>The client's converter, when the app's client has one of its own (the isolated worker builds one for each side).</summary>
    public DataConverter? ClientDataConverter { get; init; }

    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Worst-case delay before an idle queue notices a new message (host.json maxQueuePollingInterval).</summary>
    public TimeSpan MaxQueuePollingInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Control queues (partitions). Fixed when the task hub is first created; every host on the hub must use
    /// the same value. Orchestrations and entities are spread over the partitions, which are spread over hosts.
    /// </summary>
    public int PartitionCount { get; init; } = 4;

    /// <summary>
    /// How long entity messages from orchestrations are tracked to reorder and deduplicate them (host.json
    /// entityMessageReorderWindowInMinutes). 0, as the app's host.json sets it; the backend's default is 30.
    /// </summary>
    public int EntityMessageReorderWindowInMinutes { get; init; }

    /// <summary>Activities that one host runs at once (host.json maxConcurrentActivityFunctions).</summary>
    public int MaxConcurrentActivities { get; init; } = 10;

    /// <summary>Orchestration work items that one host runs at once (maxConcurrentOrchestratorFunctions).</summary>
    public int MaxConcurrentOrchestrations { get; init; } = 100;

    /// <summary>Entity work items that one host runs at once (maxConcurrentEntityFunctions).</summary>
    public int MaxConcurrentEntities { get; init; } = 100;

    /// <summary>
    /// How often each host reads the partition (lease) table to claim, renew, balance or hand over partitions.
    /// The backend's default is 10 s; shorter lets a second host get its share and a restarted worker resume sooner.
    /// </summary>
    public TimeSpan LeaseAcquireInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a control-queue (orchestration and entity) message a worker read stays invisible to others. It is
    /// also the delay of messages that get stranded: those a dying worker (<see cref="DurableTestHost.StopWorkerAsync"/>)
    /// had read, those read but not processed before a graceful stop, and those caught in a partition handover
    /// between hosts (the backend briefly keeps listening to a partition it has just handed over). The backend's
    /// default is 5 min; 10 s keeps such hiccups short. Keep it above 5 s (the renewal period of a running episode).
    /// </summary>
    public TimeSpan ControlQueueVisibilityTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The same for activity messages (the work-item queue). A running activity's message is renewed every 5 s,
    /// so keep it well above 5 s; an activity that was running on a dead worker is retried after this long.
    /// </summary>
    public TimeSpan WorkItemQueueVisibilityTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the client polls an instance in WaitForInstanceStart/CompletionAsync.</summary>
    public TimeSpan ClientPollingInterval { get; init; } = TimeSpan.FromMilliseconds(25);

    /// <summary>
    /// Deletes the task hub's queues, tables and containers on <see cref="DurableTestHost.DisposeAsync"/>.
    /// With several hosts on one hub, stop every worker first (or leave this on for the last one only).
    /// </summary>
    public bool DeleteTaskHubOnDispose { get; init; } = true;

    /// <summary>
    /// The worker's identity in the partition table. Hosts on one hub must differ; a restarted worker
    /// (<see cref="DurableTestHost.StartWorkerAsync"/>) keeps its host's id, like an app instance restarting,
    /// and so takes its partitions back at once. Default: a new id per host.
    /// </summary>
    public string? WorkerId { get; init; }
}
