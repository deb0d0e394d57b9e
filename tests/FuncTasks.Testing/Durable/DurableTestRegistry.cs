using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;

namespace FuncTasks.Testing.Durable;

/// <summary>
/// The orchestrators, activities and entities a <see cref="DurableTestHost"/> serves, by name. Each factory
/// is called once per work item with the service provider of a fresh DI scope. Names are matched
/// case-insensitively, as the Functions host does (entity names are lower-cased by the SDK anyway).
/// </summary>
public sealed class DurableTestRegistry
{
    private readonly Dictionary<string, Func<IServiceProvider, ITaskOrchestrator>> orchestrators =
        new(StringComparer.OrdinalIgnoreCase);

    private readonly Dictionary<string, Func<IServiceProvider, ITaskActivity>> activities =
        new(StringComparer.OrdinalIgnoreCase);

    private readonly Dictionary<string, Func<IServiceProvider, ITaskEntity>> entities =
        new(StringComparer.OrdinalIgnoreCase);

    internal DurableTestRegistry()
    {
    }

    internal IReadOnlyDictionary<string, Func<IServiceProvider, ITaskOrchestrator>> Orchestrators => orchestrators;

    internal IReadOnlyDictionary<string, Func<IServiceProvider, ITaskActivity>> Activities => activities;

    internal IReadOnlyDictionary<string, Func<IServiceProvider, ITaskEntity>> Entities => entities;

    public DurableTestRegistry AddOrchestrator(string name, Func<IServiceProvider, ITaskOrchestrator> factory)
    {
        Add(orchestrators, name, factory, "orchestrator");
        return this;
    }

    public DurableTestRegistry AddActivity(string name, Func<IServiceProvider, ITaskActivity> factory)
    {
        Add(activities, name, factory, "activity");
        return this;
    }

    public DurableTestRegistry AddEntity(string name, Func<IServiceProvider, ITaskEntity> factory)
    {
        if (name is not null && name.Contains('@', StringComparison.Ordinal))
        {
            throw new ArgumentException($"Entity name '{name}' must not contain '@'.", nameof(name));
        }

        Add(entities, name!, factory, "entity");
        return this;
    }

    private static void Add<T>(Dictionary<string, T> map, string name, T factory, string kind)
        where T : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        if (!map.TryAdd(name, factory))
        {
            throw new ArgumentException($"An {kind} named '{name}' is already registered.", nameof(name));
        }
    }
}
