using Azure;
using FuncTasks.Api;
using FuncTasks.Execution;
using FuncTasks.Schedules;
using FuncTasks.Storage;
using FuncTasks.TaskFunctions;

namespace FuncTasks.Tasks;

/// <summary>The rules of task create, read, replace and delete (which deletes its schedules); storage is <see cref="TaskStore"/>.</summary>
public sealed class TaskService(TaskStore store, ScheduleService schedules, TaskFunctionRegistry functions, ShellPolicy shell, TimeProvider clock)
{
    public async Task<Versioned<TaskDefinition>> CreateAsync(TaskSpec spec, string? clientId, CancellationToken cancellationToken)
    {
        var type = ResolveType(spec);
        var now = Timestamps.Now(clock);
        var task = Build(clientId ?? UlidIds.New(clock), spec, type, now, now);
        return await store.CreateAsync(task, cancellationToken)
            ?? throw Refusals.Conflict("task-exists", "A task with this id exists", $"A task with the id '{task.Id}' already exists.");
    }

    public async Task<Versioned<TaskDefinition>> GetAsync(string id, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) ?? throw Refusals.NotFound("task", id);

    public async Task<Versioned<TaskDefinition>> ReplaceAsync(string id, TaskSpec spec, string? ifMatch, CancellationToken cancellationToken)
    {
        var type = ResolveType(spec);
        var current = await GetAsync(id, cancellationToken);
        IfMatch.Ensure(ifMatch, current.Version, "task");

        var task = Build(id, spec, type, current.Value.CreatedAt, Timestamps.Now(clock));
        var (outcome, version) = await store.ReplaceAsync(task, ifMatch is null ? ETag.All : current.Version, cancellationToken);
        return outcome switch
        {
            WriteOutcome.Written => new Versioned<TaskDefinition>(task, version),
            WriteOutcome.NotFound => throw Refusals.NotFound("task", id),
            _ => throw StaleTask(id),
        };
    }

    public async Task DeleteAsync(string id, string? ifMatch, CancellationToken cancellationToken)
    {
        var expected = ETag.All;
        if (ifMatch is not null)
        {
            var current = await GetAsync(id, cancellationToken);
            IfMatch.Ensure(ifMatch, current.Version, "task");
            expected = current.Version;
        }

        switch (await store.DeleteAsync(id, expected, cancellationToken))
        {
            case WriteOutcome.NotFound:
                throw Refusals.NotFound("task", id);
            case WriteOutcome.Stale:
                throw StaleTask(id);
        }

        // Its schedules go with it (a fire that finds the task gone first pauses its schedule).
        await schedules.DeleteForTaskAsync(id, cancellationToken);
    }

    public Task<ListPage<TaskDefinition>> ListAsync(TaskQuery query, PageRequest page, CancellationToken cancellationToken) =>
        store.ListAsync(query, page, cancellationToken);

    /// <summary>
    /// A task is a function task when it says so or, unsaid, when its command names a registered
    /// function; params belong to function tasks and env to shell tasks.
    /// </summary>
    private TaskType ResolveType(TaskSpec spec)
    {
        var type = spec.TaskType ?? (functions.Contains(spec.Command) ? TaskType.Function : TaskType.Shell);
        var errors = new Dictionary<string, string[]>();
        if (type == TaskType.Function && !functions.Contains(spec.Command))
        {
            errors["command"] = [$"no task function named '{spec.Command}' is registered; GET /api/v1/tasks/$functions lists them"];
        }

        TaskKindFields.Check(type, spec.Params, spec.Env, errors);

        if (type == TaskType.Function && functions.Find(spec.Command) is { } function)
        {
            // Stored defaults must fit the function; required ones may still come with each $execute.
            foreach (var (field, messages) in TaskArguments.Check(function, spec.Params, requireAll: false))
            {
                errors[field] = messages;
            }
        }

        if (errors.Count > 0)
        {
            throw Refusals.Validation(errors);
        }

        if (type == TaskType.Shell)
        {
            shell.EnsureAllowed(spec.Command, "command");
        }

        return type;
    }

    private static TaskDefinition Build(string id, TaskSpec spec, TaskType type, DateTimeOffset createdAt, DateTimeOffset updatedAt) =>
        new(id, spec.Command, type, spec.Params, spec.Env, spec.Enabled, spec.Tags, spec.TimeoutSeconds, spec.Retry, createdAt, updatedAt);


    private static RefusalException StaleTask(string id) =>
        Refusals.PreconditionFailed($"The task '{id}' changed while it was being written; GET it again and retry.");
}
