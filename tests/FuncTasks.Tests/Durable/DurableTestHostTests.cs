using System.Collections.Concurrent;
using System.Diagnostics;
using FuncTasks.Testing.Durable;
using FuncTasks.Tests.Infrastructure;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace FuncTasks.Tests.Durable;

// Each test class is its own xunit collection, so the classes run in parallel; each test uses its own task hub.

/// <summary>Orchestrations, activities, retries, timers, events, terminate/suspend/purge and queries.</summary>
public sealed class DurableTestHostOrchestrationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Orchestration_CallsActivity_AndReturnsItsOutput()
    {
        await using var host = await DurableHostFixture.StartAsync(DurableHostFixture.RegisterAll);

        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync(
            nameof(GreetOrchestrator), "Ada", new StartOrchestrationOptions { InstanceId = "greet-1" });
        var done = await host.Client.WaitForCompletionAsync(id);

        Assert.Equal("greet-1", id);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal("Hello, Ada!", done.ReadOutputAs<string>());
        Assert.Equal("Ada", done.ReadInputAs<string>());
        Assert.Equal(nameof(GreetOrchestrator), done.Name);

        // Round trip client -> orchestration -> activity -> orchestration -> client, sequentially.
        var times = new List<double>();
        for (var i = 0; i < 10; i++)
        {
            var sw = Stopwatch.StartNew();
            var next = await host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(GreetOrchestrator), $"n{i}");
            var result = await host.Client.WaitForCompletionAsync(next);
            times.Add(sw.Elapsed.TotalMilliseconds);
            Assert.Equal($"Hello, n{i}!", result.ReadOutputAs<string>());
        }

        output.WriteLine($"orchestration+activity round trip (client view): {DurableHostFixture.Describe(times)}");
    }

    [Fact]
    public async Task Activity_RetryPolicy_FailsTwice_SucceedsOnThirdAttempt()
    {
        var probe = new Probe();
        await using var host = await DurableHostFixture.StartAsync(DurableHostFixture.RegisterAll, probe);

        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(RetryOrchestrator), "job-7");
        var done = await host.Client.WaitForCompletionAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal("job-7 succeeded on attempt 3", done.ReadOutputAs<string>());
        Assert.Equal(3, probe.Attempts["job-7"]);
    }

    [Fact]
    public async Task Activity_ThatAlwaysFails_FailsTheOrchestration_WithFailureDetails()
    {
        var probe = new Probe();
        await using var host = await DurableHostFixture.StartAsync(DurableHostFixture.RegisterAll, probe);

        // "always" never succeeds: three attempts, then the orchestration fails with the activity's error.
        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(RetryOrchestrator), "always");
        var done = await host.Client.WaitForCompletionAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        Assert.NotNull(done.FailureDetails);
        output.WriteLine($"failure details: {done.FailureDetails!.ErrorType}: {done.FailureDetails.ErrorMessage}");
        Assert.Contains("attempt 3 of always failed", done.FailureDetails.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(3, probe.Attempts["always"]);
    }

    [Fact]
    public async Task WhenAny_ActivityAndExternalEvent_EventWins_ButCompletionWaitsForTheActivity()
    {
        await using var host = await DurableHostFixture.StartAsync(DurableHostFixture.RegisterAll);
        var client = host.Client;

        var sw = Stopwatch.StartNew();
        var id = await client.ScheduleNewOrchestrationInstanceAsync(nameof(RaceOrchestrator), 3_000);
        await client.WaitForInstanceStartAsync(id);
        await client.RaiseEventAsync(id, "cancel", "stop-now");

        // The orchestrator code sees the event win at once (it records that in its custom status)...
        await DurableHostFixture.EventuallyAsync(async () =>
            (await client.GetInstanceAsync(id, getInputsAndOutputs: true))?.ReadCustomStatusAs<string>() == "event:stop-now");
        var eventSeenAfter = sw.ElapsedMilliseconds;

        // ...but DurableTask.Core completes an orchestration only when none of its tasks is still open, and an
        // activity cannot be cancelled: the instance stays Running until the losing activity has finished.
        // (Same executor in the isolated worker: the real app behaves alike. Timers can be cancelled; see below.)
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await client.GetInstanceAsync(id))!.RuntimeStatus);
        var done = await client.WaitForCompletionAsync(id);
        Assert.Equal("event:stop-now", done.ReadOutputAs<string>());
        Assert.True(sw.ElapsedMilliseconds >= 3_000, $"completed after {sw.ElapsedMilliseconds} ms");
        output.WriteLine($"event won after {eventSeenAfter} ms; the instance completed after {sw.ElapsedMilliseconds} ms " +
                         "(when the 3 s activity ended)");
    }

    [Fact]
    public async Task Timer_Fires_AndCanLoseToAnEvent()
    {
        await using var host = await DurableHostFixture.StartAsync(DurableHostFixture.RegisterAll);

        // A timer is a queue message made visible at FireAt, but queue visibility counts whole seconds and the
        // fraction is truncated when the message is sent: a timer fires up to 1 s early (one of 1 s or less
        // fires at once). So a 2 s timer fires after 1 to 2 s.
        var sw = Stopwatch.StartNew();
        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(TimeoutOrchestrator), 2_000);
        var done = await host.Client.WaitForCompletionAsync(id);
        Assert.Equal("timeout", done.ReadOutputAs<string>());
        Assert.True(sw.ElapsedMilliseconds >= 1_000, $"timer fired after {sw.ElapsedMilliseconds} ms");
        output.WriteLine($"2 s timer orchestration completed after {sw.ElapsedMilliseconds} ms");

        // The event beats a 60 s timer; the orchestrator cancels the timer, so the instance completes at once.
        sw.Restart();
        var id2 = await host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(TimeoutOrchestrator), 60_000);
        await host.Client.WaitForInstanceStartAsync(id2);
        await host.Client.RaiseEventAsync(id2, "go", 42);
        var done2 = await host.Client.WaitForCompletionAsync(id2);
        Assert.Equal("event:42", done2.ReadOutputAs<string>());
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), $"completed after {sw.ElapsedMilliseconds} ms");
        output.WriteLine($"event beat a 60 s timer: completed after {sw.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Terminate_Suspend_Resume_Purge_AndQueries()
    {
        await using var host = await DurableHostFixture.StartAsync(DurableHostFixture.RegisterAll);
        var client = host.Client;

        Assert.Null(await client.GetInstanceAsync("no-such-instance"));

        // Terminate a waiting orchestration.
        var waiting = await client.ScheduleNewOrchestrationInstanceAsync(
            nameof(WaiterOrchestrator), null, new StartOrchestrationOptions { InstanceId = "waiter-terminate" });
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await client.WaitForInstanceStartAsync(waiting)).RuntimeStatus);
        await client.TerminateInstanceAsync(waiting, "no longer needed");
        var terminated = await client.WaitForCompletionAsync(waiting);
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, terminated.RuntimeStatus);
        Assert.Equal("no longer needed", terminated.ReadOutputAs<string>());

        // Suspend: an event raised meanwhile waits until Resume.
        var paused = await client.ScheduleNewOrchestrationInstanceAsync(nameof(WaiterOrchestrator));
        await client.WaitForInstanceStartAsync(paused);
        await client.SuspendInstanceAsync(paused, "hold");
        await DurableHostFixture.EventuallyAsync(
            async () => (await client.GetInstanceAsync(paused))!.RuntimeStatus == OrchestrationRuntimeStatus.Suspended);
        await client.RaiseEventAsync(paused, "wake", "while-suspended");
        await Task.Delay(500);
        Assert.Equal(OrchestrationRuntimeStatus.Suspended, (await client.GetInstanceAsync(paused))!.RuntimeStatus);
        await client.ResumeInstanceAsync(paused, "go on");
        var resumed = await client.WaitForCompletionAsync(paused);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, resumed.RuntimeStatus);
        Assert.Equal("while-suspended", resumed.ReadOutputAs<string>());

        // Purge: only terminal instances; afterwards the instance is gone.
        var running = await client.ScheduleNewOrchestrationInstanceAsync(nameof(WaiterOrchestrator));
        await client.WaitForInstanceStartAsync(running);
        await Assert.ThrowsAsync<InvalidOperationException>(() => client.PurgeInstanceAsync(running));

        var completed = await client.ScheduleNewOrchestrationInstanceAsync(nameof(GreetOrchestrator), "Bob");
        await client.WaitForCompletionAsync(completed);

        var runningOnes = await ToListAsync(client.GetAllInstancesAsync(
            new OrchestrationQuery { Statuses = [OrchestrationRuntimeStatus.Running] }));
        Assert.Equal([running], runningOnes.Select(m => m.InstanceId));
        var finished = await ToListAsync(client.GetAllInstancesAsync(new OrchestrationQuery
        {
            Statuses = [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Terminated],
            FetchInputsAndOutputs = true,
        }));
        Assert.Equal(
            new[] { completed, paused, waiting }.Order(),
            finished.Select(m => m.InstanceId).Order());
        Assert.Equal("Hello, Bob!", finished.Single(m => m.InstanceId == completed).ReadOutputAs<string>());

        // Restart: a new instance with the same name and input.
        var again = await client.RestartAsync(completed, restartWithNewInstanceId: true);
        Assert.NotEqual(completed, again);
        Assert.Equal("Hello, Bob!", (await client.WaitForCompletionAsync(again)).ReadOutputAs<string>());

        var purged = await client.PurgeInstanceAsync(completed);
        Assert.Equal(1, purged.PurgedInstanceCount);
        Assert.Null(await client.GetInstanceAsync(completed));
        Assert.Equal(0, (await client.PurgeInstanceAsync(completed)).PurgedInstanceCount);

        await client.TerminateInstanceAsync(running);
        await client.WaitForCompletionAsync(running);

        // Purge by filter: the terminated ones (waiter-terminate and running).
        var purgedTerminated = await client.PurgeAllInstancesAsync(
            new PurgeInstancesFilter(Statuses: [OrchestrationRuntimeStatus.Terminated]));
        Assert.Equal(2, purgedTerminated.PurgedInstanceCount);
        Assert.Null(await client.GetInstanceAsync(waiting));
        Assert.NotNull(await client.GetInstanceAsync(paused));
    }

    [Fact]
    public async Task Client_RejectsInstanceIdsTheBackendCannotStore()
    {
        await using var host = await DurableHostFixture.StartAsync(DurableHostFixture.RegisterAll);

        foreach (var bad in new[] { "a/b", "a#b", "a?b", "a\\b", "@counter@x", new string('x', 257), "tab\there" })
        {
            await Assert.ThrowsAsync<ArgumentException>(() => host.Client.ScheduleNewOrchestrationInstanceAsync(
                nameof(GreetOrchestrator), "x", new StartOrchestrationOptions { InstanceId = bad }));
        }
    }

    private static async Task<List<T>> ToListAsync<T>(AsyncPageable<T> pageable)
        where T : notnull
    {
        var list = new List<T>();
        await foreach (var item in pageable)
        {
            list.Add(item);
        }

        return list;
    }
}

/// <summary>Durable entities: calls and signals from orchestrations, signals and reads from the client, and
/// an entity starting an orchestration that wakes a waiting one (the concurrency gate's wake-up path).</summary>
public sealed class DurableTestHostEntityTests(ITestOutputHelper output)
{
    [Fact]
    public async Task CounterEntity_CalledFromOrchestration_SignaledFromClient_StateReadable()
    {
        await using var host = await DurableHostFixture.StartAsync(DurableHostFixture.RegisterAll);
        var client = host.Client;
        var counter = new EntityInstanceId(nameof(CounterEntity), "c1");

        Assert.Null(await client.Entities.GetEntityAsync(counter));

        // The orchestration calls add(5) (returns 5), signals add(1), then calls get.
        var id = await client.ScheduleNewOrchestrationInstanceAsync(nameof(CounterOrchestrator), "c1");
        var done = await client.WaitForCompletionAsync(id);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        var result = done.ReadOutputAs<CounterResult>()!;
        Assert.Equal(5, result.AfterAdd);
        Assert.Equal(6, result.AfterSignalAndGet);

        await client.Entities.SignalEntityAsync(counter, "add", 10);
        await DurableHostFixture.EventuallyAsync(async () =>
            (await client.Entities.GetEntityAsync<int>(counter))?.State == 16);

        var typed = await client.Entities.GetEntityAsync<int>(counter);
        Assert.Equal(16, typed!.State);
        Assert.Equal("@counterentity@c1", typed.Id.ToString());
        var untyped = await client.Entities.GetEntityAsync(counter);
        Assert.Equal(16, untyped!.State.ReadAs<int>());
        Assert.Equal("16", untyped.State.Value);
        var withoutState = await client.Entities.GetEntityAsync(counter, includeState: false);
        Assert.False(withoutState!.IncludesState);

        var all = new List<EntityMetadata<int>>();
        await foreach (var e in client.Entities.GetAllEntitiesAsync<int>(new EntityQuery { InstanceIdStartsWith = "@counterentity@" }))
        {
            all.Add(e);
        }

        Assert.Equal(16, Assert.Single(all).State);

        var cleaned = await client.Entities.CleanEntityStorageAsync();
        Assert.Equal(0, cleaned.OrphanedLocksReleased);
        Assert.Equal(16, (await client.Entities.GetEntityAsync<int>(counter))!.State);

        // Entity calls seen from inside the orchestration (CurrentUtcDateTime before/after each call).
        output.WriteLine($"entity call round trip inside one orchestration: {result.CallMilliseconds:F0} ms (first call, " +
                         $"includes the entity's first load), {result.SecondCallMilliseconds:F0} ms (second call)");
        var calls = new List<double>();
        for (var i = 0; i < 8; i++)
        {
            var next = await client.ScheduleNewOrchestrationInstanceAsync(nameof(CounterOrchestrator), "c2");
            var r = (await client.WaitForCompletionAsync(next)).ReadOutputAs<CounterResult>()!;
            calls.Add(r.CallMilliseconds);
            calls.Add(r.SecondCallMilliseconds);
        }

        output.WriteLine($"entity call round trip (orchestration view, 16 calls): {DurableHostFixture.Describe(calls)}");
    }

    [Fact]
    public async Task Entity_SchedulesOrchestration_ThatWakesAWaiter_ViaSendEvent()
    {
        var probe = new Probe();
        await using var host = await DurableHostFixture.StartAsync(DurableHostFixture.RegisterAll, probe);
        var client = host.Client;
        var gate = new EntityInstanceId(nameof(GateEntity), "gate");
        const int Rounds = 20;

        var waiters = Enumerable.Range(0, Rounds).Select(i => $"waiter-{i}").ToList();
        foreach (var w in waiters)
        {
            await client.ScheduleNewOrchestrationInstanceAsync(nameof(WaiterOrchestrator), null, new StartOrchestrationOptions { InstanceId = w });
        }

        foreach (var w in waiters)
        {
            await client.WaitForInstanceStartAsync(w);
        }

        var hops = new List<double>();
        var endToEnd = new List<double>();
        for (var i = 0; i < Rounds; i++)
        {
            var waiter = waiters[i];
            var sw = Stopwatch.StartNew();
            await client.Entities.SignalEntityAsync(gate, "wake", new WakeRequest(waiter, $"token-{i}"));
            var done = await client.WaitForCompletionAsync(waiter);
            endToEnd.Add(sw.Elapsed.TotalMilliseconds);

            Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
            Assert.Equal($"token-{i}", done.ReadOutputAs<string>());

            // From the entity operation (wall clock) to the waiter's episode that received the event.
            var woke = (await client.GetInstanceAsync(waiter))!.LastUpdatedAt;
            hops.Add((woke - probe.WakeSignaledAt[waiter]).TotalMilliseconds);
        }

        var notifier = await client.GetInstanceAsync("notify-waiter-0");
        Assert.Equal(OrchestrationRuntimeStatus.Completed, notifier!.RuntimeStatus);
        var gateState = await client.Entities.GetEntityAsync<int>(gate);
        Assert.Equal(Rounds, gateState!.State);

        output.WriteLine($"entity op -> ScheduleNewOrchestration -> SendEvent -> waiter woken: {DurableHostFixture.Describe(hops)}");
        output.WriteLine($"client signal -> entity -> notifier -> waiter completed -> client sees it: {DurableHostFixture.Describe(endToEnd)}");
    }
}

/// <summary>Several hosts on one task hub, and a worker dying mid-batch.</summary>
public sealed class DurableTestHostScaleOutTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TwoHosts_OnOneTaskHub_BothDoWork()
    {
        var hub = DurableHostFixture.NewTaskHubName();
        var probeA = new Probe();
        var probeB = new Probe();

        // At most two activities at a time per host, each taking 150 ms: neither host can take all the work.
        // Host B takes half of the partitions from host A as it starts; a message caught in that handover comes
        // back after the control-queue visibility timeout (6 s here).
        var visibility = TimeSpan.FromSeconds(6);
        var hostA = await DurableHostFixture.StartAsync(DurableHostFixture.RegisterAll, probeA, hub, maxActivities: 2, visibility);
        var hostB = await DurableHostFixture.StartAsync(DurableHostFixture.RegisterAll, probeB, hub, maxActivities: 2, visibility);
        try
        {
            Assert.NotEqual(hostA.WorkerId, hostB.WorkerId);
            var ids = new List<string>();
            for (var i = 0; i < 12; i++)
            {
                var client = i % 2 == 0 ? hostA.Client : hostB.Client;
                ids.Add(await client.ScheduleNewOrchestrationInstanceAsync(nameof(FanOutOrchestrator), 3));
            }

            var working = Stopwatch.StartNew();
            foreach (var id in ids)
            {
                var done = await hostA.Client.WaitForCompletionAsync(id);
                Assert.Equal(3, done.ReadOutputAs<int>());
            }

            output.WriteLine($"12 orchestrations x 3 activities done in {working.ElapsedMilliseconds} ms");

            output.WriteLine($"activities run: host A {probeA.Executions.Count}, host B {probeB.Executions.Count}; " +
                             $"orchestration episodes: host A {probeA.Episodes}, host B {probeB.Episodes}");
            Assert.Equal(36, probeA.Executions.Count + probeB.Executions.Count);
            Assert.NotEmpty(probeA.Executions);
            Assert.NotEmpty(probeB.Executions);
        }
        finally
        {
            // Stop both workers before either deletes the shared hub.
            var stopping = Stopwatch.StartNew();
            await Task.WhenAll(hostA.StopWorkerAsync(), hostB.StopWorkerAsync());
            output.WriteLine($"both workers stopped in {stopping.ElapsedMilliseconds} ms");
            await hostA.DisposeAsync();
            await hostB.DisposeAsync();
        }
    }

    [Fact]
    public async Task WorkerDiesMidBatch_FreshWorker_CompletesEverything()
    {
        var probe = new Probe();
        await using var host = await DurableHostFixture.StartAsync(
            DurableHostFixture.RegisterAll, probe, visibilityTimeout: TimeSpan.FromSeconds(6));
        var client = host.Client;

        var ids = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            ids.Add(await client.ScheduleNewOrchestrationInstanceAsync(nameof(SlowStepsOrchestrator), $"o{i}"));
        }

        // Kill the worker once some activities are running and before everything is done.
        await DurableHostFixture.EventuallyAsync(() => Task.FromResult(probe.Executions.Count >= 4));
        await host.StopWorkerAsync(force: true);
        var killedAt = Stopwatch.StartNew();
        var completedBeforeDeath = 0;
        foreach (var id in ids)
        {
            if ((await client.GetInstanceAsync(id))!.RuntimeStatus == OrchestrationRuntimeStatus.Completed)
            {
                completedBeforeDeath++;
            }
        }

        Assert.True(completedBeforeDeath < ids.Count, "the worker died after all the work was done");

        // Nothing moves while no worker runs.
        var executionsWhenDead = probe.Executions.Count;
        await Task.Delay(300);

        await host.StartWorkerAsync();
        foreach (var id in ids)
        {
            var done = await client.WaitForCompletionAsync(id);
            Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
            Assert.Equal($"{done.ReadInputAs<string>()}:1+2", done.ReadOutputAs<string>());
        }

        output.WriteLine($"completed before the kill: {completedBeforeDeath}/10; activity executions: " +
                         $"{executionsWhenDead} before the kill, {probe.Executions.Count} in all (at-least-once); " +
                         $"all done {killedAt.ElapsedMilliseconds} ms after the kill (visibility timeout 6 s)");
    }
}

/// <summary>Shared helpers: a host per test with its own task hub on the shared Azurite. The helper and workload
/// types below are file-local, so they cannot clash with other tests in this namespace.</summary>
file static class DurableHostFixture
{
    public static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(45);

    public static string NewTaskHubName() => "th" + Guid.NewGuid().ToString("N")[..16];

    public static async Task<DurableTestHost> StartAsync(
        Action<DurableTestRegistry> register,
        Probe? probe = null,
        string? taskHub = null,
        int maxActivities = 10,
        TimeSpan? visibilityTimeout = null)
    {
        var azurite = await SharedAzurite.GetAsync();
        var services = new ServiceCollection()
            .AddSingleton(probe ?? new Probe())
            .BuildServiceProvider();
        return await DurableTestHost.StartAsync(
            new DurableTestHostOptions
            {
                StorageConnectionString = azurite.ConnectionString,
                TaskHubName = taskHub ?? NewTaskHubName(),
                Services = services,
                MaxConcurrentActivities = maxActivities,
                ControlQueueVisibilityTimeout = visibilityTimeout ?? TimeSpan.FromSeconds(10),
                WorkItemQueueVisibilityTimeout = visibilityTimeout ?? TimeSpan.FromSeconds(30),
            },
            register);
    }

    public static void RegisterAll(DurableTestRegistry r) => r
        .AddOrchestrator(nameof(GreetOrchestrator), _ => new GreetOrchestrator())
        .AddOrchestrator(nameof(RetryOrchestrator), _ => new RetryOrchestrator())
        .AddOrchestrator(nameof(RaceOrchestrator), _ => new RaceOrchestrator())
        .AddOrchestrator(nameof(TimeoutOrchestrator), _ => new TimeoutOrchestrator())
        .AddOrchestrator(nameof(WaiterOrchestrator), _ => new WaiterOrchestrator())
        .AddOrchestrator(nameof(NotifierOrchestrator), _ => new NotifierOrchestrator())
        .AddOrchestrator(nameof(CounterOrchestrator), _ => new CounterOrchestrator())
        .AddOrchestrator(nameof(FanOutOrchestrator), sp => new FanOutOrchestrator(sp.GetRequiredService<Probe>()))
        .AddOrchestrator(nameof(SlowStepsOrchestrator), _ => new SlowStepsOrchestrator())
        .AddActivity(nameof(SayHelloActivity), _ => new SayHelloActivity())
        .AddActivity(nameof(FlakyActivity), sp => new FlakyActivity(sp.GetRequiredService<Probe>()))
        .AddActivity(nameof(SleepActivity), sp => new SleepActivity(sp.GetRequiredService<Probe>()))
        .AddEntity(nameof(CounterEntity), _ => new CounterEntity())
        .AddEntity(nameof(GateEntity), sp => new GateEntity(sp.GetRequiredService<Probe>()));

    public static async Task<OrchestrationMetadata> WaitForCompletionAsync(this DurableTaskClient client, string instanceId)
    {
        using var cts = new CancellationTokenSource(WaitTimeout);
        return await client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, cts.Token);
    }

    public static Task EventuallyAsync(Func<Task<bool>> condition) =>
        Poll.UntilAsync(condition, "the condition", WaitTimeout, TimeSpan.FromMilliseconds(25));

    public static string Describe(List<double> samples)
    {
        var sorted = samples.Order().ToList();
        var median = sorted.Count % 2 == 1
            ? sorted[sorted.Count / 2]
            : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
        return $"median {median:F0} ms, min {sorted[0]:F0} ms, max {sorted[^1]:F0} ms (n={sorted.Count})";
    }
}

/// <summary>What the activities and entities of one host saw (a singleton in that host's services).</summary>
file sealed class Probe
{
    public ConcurrentDictionary<string, int> Attempts { get; } = new();

    public ConcurrentQueue<string> Executions { get; } = new();

    public ConcurrentDictionary<string, DateTimeOffset> WakeSignaledAt { get; } = new();

    private int episodes;

    public int Episodes => episodes;

    public void CountEpisode() => Interlocked.Increment(ref episodes);
}

file sealed record WakeRequest(string WaiterId, string Token);

file sealed record CounterResult(int AfterAdd, int AfterSignalAndGet, double CallMilliseconds, double SecondCallMilliseconds);

file sealed class GreetOrchestrator : TaskOrchestrator<string, string>
{
    public override Task<string> RunAsync(TaskOrchestrationContext context, string input) =>
        context.CallActivityAsync<string>(nameof(SayHelloActivity), input);
}

file sealed class SayHelloActivity : TaskActivity<string, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, string input) => Task.FromResult($"Hello, {input}!");
}

file sealed class RetryOrchestrator : TaskOrchestrator<string, string>
{
    private static readonly TaskOptions Retry = TaskOptions.FromRetryPolicy(
        new RetryPolicy(maxNumberOfAttempts: 3, firstRetryInterval: TimeSpan.FromMilliseconds(100)));

    public override Task<string> RunAsync(TaskOrchestrationContext context, string input) =>
        context.CallActivityAsync<string>(nameof(FlakyActivity), input, Retry);
}

/// <summary>Fails the first two attempts per key (every attempt for "always").</summary>
file sealed class FlakyActivity(Probe probe) : TaskActivity<string, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, string input)
    {
        var attempt = probe.Attempts.AddOrUpdate(input, 1, (_, n) => n + 1);
        if (attempt < 3 || input == "always")
        {
            throw new InvalidOperationException($"attempt {attempt} of {input} failed");
        }

        return Task.FromResult($"{input} succeeded on attempt {attempt}");
    }
}

file sealed class SleepActivity(Probe probe) : TaskActivity<int, int>
{
    public override async Task<int> RunAsync(TaskActivityContext context, int input)
    {
        probe.Executions.Enqueue(context.InstanceId);
        await Task.Delay(input);
        return input;
    }
}

/// <summary>Races a slow activity against an external event "cancel"; the winner also goes to the custom status.</summary>
file sealed class RaceOrchestrator : TaskOrchestrator<int, string>
{
    public override async Task<string> RunAsync(TaskOrchestrationContext context, int input)
    {
        var work = context.CallActivityAsync<int>(nameof(SleepActivity), input);
        var cancel = context.WaitForExternalEvent<string>("cancel");
        var winner = await Task.WhenAny(work, cancel);
        var result = winner == cancel ? $"event:{cancel.Result}" : $"activity:{work.Result}";
        context.SetCustomStatus(result);
        return result;
    }
}

/// <summary>Waits for event "go" or a timer of input milliseconds, whichever comes first.</summary>
file sealed class TimeoutOrchestrator : TaskOrchestrator<int, string>
{
    public override async Task<string> RunAsync(TaskOrchestrationContext context, int input)
    {
        using var cts = new CancellationTokenSource();
        var timer = context.CreateTimer(TimeSpan.FromMilliseconds(input), cts.Token);
        var go = context.WaitForExternalEvent<int>("go", cts.Token);
        var winner = await Task.WhenAny(timer, go);

        // Cancel synchronously: CancelAsync would resume the orchestrator off its replay thread.
        cts.Cancel();
        return winner == timer ? "timeout" : $"event:{go.Result}";
    }
}

/// <summary>Waits for event "wake" and returns its payload.</summary>
file sealed class WaiterOrchestrator : TaskOrchestrator<object?, string>
{
    public override Task<string> RunAsync(TaskOrchestrationContext context, object? input) =>
        context.WaitForExternalEvent<string>("wake");
}

/// <summary>Started by the gate entity: raises "wake" on the waiting orchestration.</summary>
file sealed class NotifierOrchestrator : TaskOrchestrator<WakeRequest, string>
{
    public override Task<string> RunAsync(TaskOrchestrationContext context, WakeRequest input)
    {
        context.SendEvent(input.WaiterId, "wake", input.Token);
        return Task.FromResult(input.WaiterId);
    }
}

/// <summary>Calls and signals the counter entity whose key is the input.</summary>
file sealed class CounterOrchestrator : TaskOrchestrator<string, CounterResult>
{
    public override async Task<CounterResult> RunAsync(TaskOrchestrationContext context, string input)
    {
        var counter = new EntityInstanceId(nameof(CounterEntity), input);
        var t0 = context.CurrentUtcDateTime;
        var afterAdd = await context.Entities.CallEntityAsync<int>(counter, "add", 5);
        var t1 = context.CurrentUtcDateTime;
        await context.Entities.SignalEntityAsync(counter, "add", 1);
        var afterGet = await context.Entities.CallEntityAsync<int>(counter, "get");
        var t2 = context.CurrentUtcDateTime;
        return new CounterResult(afterAdd, afterGet, (t1 - t0).TotalMilliseconds, (t2 - t1).TotalMilliseconds);
    }
}

file sealed class CounterEntity : TaskEntity<int>
{
    public int Add(int amount) => State += amount;

    public int Get() => State;

    public void Reset() => State = 0;
}

/// <summary>On "wake", counts and starts a notifier orchestration for the waiter (and records when).</summary>
file sealed class GateEntity(Probe probe) : TaskEntity<int>
{
    public void Wake(WakeRequest request)
    {
        probe.WakeSignaledAt[request.WaiterId] = DateTimeOffset.UtcNow;
        State++;
        Context.ScheduleNewOrchestration(
            nameof(NotifierOrchestrator), request, new StartOrchestrationOptions { InstanceId = $"notify-{request.WaiterId}" });
    }
}

/// <summary>Runs input activities of 150 ms in parallel and returns how many ran.</summary>
file sealed class FanOutOrchestrator(Probe probe) : TaskOrchestrator<int, int>
{
    public override async Task<int> RunAsync(TaskOrchestrationContext context, int input)
    {
        probe.CountEpisode();
        var tasks = Enumerable.Range(0, input).Select(_ => context.CallActivityAsync<int>(nameof(SleepActivity), 150));
        var results = await Task.WhenAll(tasks);
        return results.Length;
    }
}

/// <summary>Two sequential 400 ms activities, so a batch of them is mid-flight for a while.</summary>
file sealed class SlowStepsOrchestrator : TaskOrchestrator<string, string>
{
    public override async Task<string> RunAsync(TaskOrchestrationContext context, string input)
    {
        await context.CallActivityAsync<int>(nameof(SleepActivity), 400);
        await context.CallActivityAsync<int>(nameof(SleepActivity), 400);
        return $"{input}:1+2";
    }
}
