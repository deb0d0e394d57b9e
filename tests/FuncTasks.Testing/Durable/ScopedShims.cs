using DurableTask.Core;
using DurableTask.Core.Entities;
using DurableTask.Core.Entities.OperationFormat;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.DependencyInjection;

namespace FuncTasks.Testing.Durable;

/// <summary>
/// Hands DurableTask.Core one fresh object per work item: a thin wrapper that opens a DI scope, asks the
/// registered factory for the SDK class (ITaskOrchestrator, ITaskActivity, ITaskEntity) and runs it through
/// the SDK's own shim (<see cref="DurableTaskShimFactory"/>), exactly as the isolated worker would.
/// </summary>
internal sealed class ShimObjectManager<T> : INameVersionObjectManager<T>
    where T : class
{
    private readonly Func<string, T?> create;

    public ShimObjectManager(Func<string, T?> create) => this.create = create;

    public void Add(ObjectCreator<T> creator) =>
        throw new NotSupportedException("Register work with DurableTestRegistry instead.");

    public T? GetObject(string name, string? version) => create(name);
}

/// <summary>An orchestration whose SDK orchestrator is created (in its own DI scope) when the episode runs.</summary>
internal sealed class ScopedOrchestration : TaskOrchestration
{
    private readonly string name;
    private readonly Func<IServiceProvider, ITaskOrchestrator> factory;
    private readonly IServiceProvider services;
    private readonly DurableTaskShimFactory shims;
    private AsyncServiceScope? scope;
    private TaskOrchestration? inner;

    public ScopedOrchestration(
        string name, Func<IServiceProvider, ITaskOrchestrator> factory, IServiceProvider services, DurableTaskShimFactory shims)
    {
        this.name = name;
        this.factory = factory;
        this.services = services;
        this.shims = shims;
    }

    /// <summary>Set by the dispatch middleware before the episode runs (it feeds TaskOrchestrationContext.Parent).</summary>
    public ParentInstance? Parent { get; set; }

    public override Task<string> Execute(OrchestrationContext context, string input)
    {
        scope ??= services.CreateAsyncScope();
        var orchestrator = factory(scope.Value.ServiceProvider);
        var parent = Parent is { OrchestrationInstance: not null } p
            ? new ParentOrchestrationInstance(new TaskName(p.Name), p.OrchestrationInstance.InstanceId)
            : null;
        inner = shims.CreateOrchestration(new TaskName(name), orchestrator, parent);
        return inner.Execute(context, input);
    }

    public override void RaiseEvent(OrchestrationContext context, string name, string input) =>
        inner?.RaiseEvent(context, name, input);

    public override string GetStatus() => inner?.GetStatus()!;

    /// <summary>Called by the dispatch middleware when the episode (work item) is over.</summary>
    public ValueTask DisposeScopeAsync()
    {
        var current = scope;
        scope = null;
        return current?.DisposeAsync() ?? ValueTask.CompletedTask;
    }
}

/// <summary>An activity that runs the registered SDK activity in a DI scope of its own.</summary>
internal sealed class ScopedActivity : TaskActivity
{
    private readonly string name;
    private readonly Func<IServiceProvider, ITaskActivity> factory;
    private readonly IServiceProvider services;
    private readonly DurableTaskShimFactory shims;

    public ScopedActivity(
        string name, Func<IServiceProvider, ITaskActivity> factory, IServiceProvider services, DurableTaskShimFactory shims)
    {
        this.name = name;
        this.factory = factory;
        this.services = services;
        this.shims = shims;
    }

    public override string Run(TaskContext context, string input) =>
        throw new NotSupportedException("Activities run asynchronously.");

    public override async Task<string> RunAsync(TaskContext context, string input)
    {
        await using var scope = services.CreateAsyncScope();
        var activity = factory(scope.ServiceProvider);
        return await shims.CreateActivity(new TaskName(name), activity).RunAsync(context, input).ConfigureAwait(false);
    }
}

/// <summary>An entity that runs each batch of operations on a new SDK entity object, in a DI scope of its own.</summary>
internal sealed class ScopedEntity : TaskEntity
{
    private readonly string name;
    private readonly Func<IServiceProvider, ITaskEntity> factory;
    private readonly IServiceProvider services;
    private readonly DurableTaskShimFactory shims;

    public ScopedEntity(
        string name, Func<IServiceProvider, ITaskEntity> factory, IServiceProvider services, DurableTaskShimFactory shims)
    {
        this.name = name;
        this.factory = factory;
        this.services = services;
        this.shims = shims;
    }

    public override async Task<EntityBatchResult> ExecuteOperationBatchAsync(EntityBatchRequest operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        await using var scope = services.CreateAsyncScope();
        var entity = factory(scope.ServiceProvider);
        var id = EntityId.FromString(
            operations.InstanceId ?? throw new InvalidOperationException("Entity batch without an instance id."));
        var shim = shims.CreateEntity(new TaskName(name), entity, id);
        return await shim.ExecuteOperationBatchAsync(operations).ConfigureAwait(false);
    }
}
