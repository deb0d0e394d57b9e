using Azure;
using FuncTasks.Api;
using FuncTasks.Execution;
using FuncTasks.Storage;
using FuncTasks.TaskFunctions;
using FuncTasks.Tasks;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace FuncTasks.Schedules;

/// <summary>
/// The rules of schedule create, read, replace and delete. Every write also wakes (or starts) the schedule's driver, so
/// a change applies from the next occurrence and a delete stops the fires at once.
/// </summary>
public sealed class ScheduleService(ScheduleStore store, TaskStore tasks, TaskFunctionRegistry functions, TimeProvider clock)
{
    public async Task<Versioned<ScheduleView>> CreateAsync(ScheduleSpec spec, string? clientId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        await CheckTaskAsync(spec, cancellationToken);
        var now = Timestamps.Now(clock);
        var schedule = new ScheduleDefinition(clientId ?? UlidIds.New(clock), spec, now, now);
        var created = await store.CreateAsync(schedule, cancellationToken)
            ?? throw Refusals.Conflict("schedule-exists", "A schedule with this id exists", $"A schedule with the id '{schedule.Id}' already exists.");
        await WakeDriverAsync(client, schedule.Id, cancellationToken);
        return View(created, ScheduleState.Initial);
    }

    public async Task<Versioned<ScheduleView>> GetAsync(string id, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(id, cancellationToken) ?? throw Refusals.NotFound("schedule", id);
        return View(stored, await store.GetStateAsync(id, cancellationToken));
    }

    public async Task<ListPage<ScheduleView>> ListAsync(ScheduleQuery query, PageRequest page, CancellationToken cancellationToken)
    {
        var definitions = await store.ListAsync(query, page, cancellationToken);
        var views = new List<ScheduleView>(definitions.Items.Count);
        foreach (var schedule in definitions.Items)
        {
            views.Add(View(new Versioned<ScheduleDefinition>(schedule, default), await store.GetStateAsync(schedule.Id, cancellationToken)).Value);
        }

        return new ListPage<ScheduleView>(views, definitions.NextCursor);
    }

    /// <summary>Replaces the writable fields; the calendar counts afresh from now (a resume does not catch up the paused time).</summary>
    public async Task<Versioned<ScheduleView>> ReplaceAsync(string id, ScheduleSpec spec, string? ifMatch, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var current = await store.GetAsync(id, cancellationToken) ?? throw Refusals.NotFound("schedule", id);
        IfMatch.Ensure(ifMatch, current.Version, "schedule");
        await CheckTaskAsync(spec, cancellationToken);

        var replaced = current.Value with { Spec = spec, UpdatedAt = Timestamps.Now(clock), DisabledReason = null };
        var (outcome, version) = await store.ReplaceAsync(replaced, ifMatch is null ? ETag.All : current.Version, cancellationToken);
        switch (outcome)
        {
            case WriteOutcome.NotFound:
                throw Refusals.NotFound("schedule", id);
            case WriteOutcome.Stale:
                throw Stale(id);
        }

        await WakeDriverAsync(client, id, cancellationToken);
        return View(new Versioned<ScheduleDefinition>(replaced, version), await store.GetStateAsync(id, cancellationToken));
    }

    public async Task DeleteAsync(string id, string? ifMatch, DurableTaskClient? client, CancellationToken cancellationToken)
    {
        var expected = ETag.All;
        if (ifMatch is not null)
        {
            var current = await store.GetAsync(id, cancellationToken) ?? throw Refusals.NotFound("schedule", id);
            IfMatch.Ensure(ifMatch, current.Version, "schedule");
            expected = current.Version;
        }

        switch (await store.DeleteAsync(id, expected, cancellationToken))
        {
            case WriteOutcome.NotFound:
                throw Refusals.NotFound("schedule", id);
            case WriteOutcome.Stale:
                throw Stale(id);
        }

        if (client is not null)
        {
            // The driver finds no schedule on its next round and ends; a timer it has set fires into nothing.
            await WakeDriverAsync(client, id, cancellationToken, startIfMissing: false);
        }
    }

    /// <summary>Deletes the task's schedules (the task is being deleted). Their drivers end at their next round.</summary>
    public async Task DeleteForTaskAsync(string taskId, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await foreach (var schedule in store.ScanAsync(taskId, cancellationToken))
        {
            ids.Add(schedule.Value.Id);
        }

        foreach (var id in ids)
        {
            await store.DeleteAsync(id, ETag.All, cancellationToken);
        }
    }

    /// <summary>Tells the schedule's driver that the schedule changed, starting one if there is none running.</summary>
    public static async Task WakeDriverAsync(DurableTaskClient client, string scheduleId, CancellationToken cancellationToken, bool startIfMissing = true)
    {
        ArgumentNullException.ThrowIfNull(client);
        var instanceId = ScheduleDriver.InstanceIdFor(scheduleId);
        var instance = await client.GetInstanceAsync(instanceId, cancellationToken);
        if (!Orchestrations.HasEnded(instance))
        {
            await client.RaiseEventAsync(instanceId, ScheduleDriver.ChangedEvent, scheduleId, cancellationToken);
        }
        else if (startIfMissing)
        {
            await client.ScheduleNewOrchestrationInstanceAsync(ScheduleDriver.Name, scheduleId, new StartOrchestrationOptions(instanceId), cancellationToken);
        }
    }

    /// <summary>The task must exist, and the schedule's params and env must fit it as they would on the task itself.</summary>
    private async Task CheckTaskAsync(ScheduleSpec spec, CancellationToken cancellationToken)
    {
        var task = (await tasks.GetAsync(spec.TaskId, cancellationToken))?.Value
            ?? throw Refusals.Validation("task_id", $"no task with the id '{spec.TaskId}' exists");
        var errors = new Dictionary<string, string[]>();
        TaskKindFields.Check(task.TaskType, spec.Params, spec.Env.Count > 0 ? spec.Env : null, errors);
        if (task.TaskType == TaskType.Function && functions.Find(task.Command) is { } function)
        {
            foreach (var (field, messages) in TaskArguments.Check(function, spec.Params, requireAll: false))
            {
                errors[field] = messages;
            }
        }

        if (errors.Count > 0)
        {
            throw Refusals.Validation(errors);
        }
    }

    private Versioned<ScheduleView> View(Versioned<ScheduleDefinition> stored, ScheduleState state)
    {
        var schedule = stored.Value;
        var spec = schedule.Spec;
        var now = clock.GetUtcNow();
        var from = schedule.CountsFrom(state);
        var nextRuns = spec.Enabled && ScheduleCalendar.Of(spec) is { } calendar ? calendar.Next(from > now ? from : now, 5) : [];
        var view = new ScheduleView(schedule.Id, spec.TaskId, spec.Cron, spec.TimeZone, spec.Params, spec.Env, spec.Enabled, spec.Overlap,
            spec.CatchUpSeconds, spec.StartAt, spec.EndAt, spec.Tags, nextRuns, state.LastFire, state.Fires, state.MissedFires,
            schedule.DisabledReason, schedule.CreatedAt, schedule.UpdatedAt);
        return new Versioned<ScheduleView>(view, stored.Version);
    }


    private static RefusalException Stale(string id) =>
        Refusals.PreconditionFailed($"The schedule '{id}' changed while it was being written; GET it again and retry.");
}
