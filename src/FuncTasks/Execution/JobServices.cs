using FuncTasks.Artifacts;
using FuncTasks.Jobs;
using FuncTasks.Output;
using Microsoft.Extensions.Logging;

namespace FuncTasks.Execution;

/// <summary>
/// What a job hands its task function besides the registered services: the one list of those types
/// (<see cref="Types"/>, which the registry plans parameters by) and their values (<see cref="Provide"/>).
/// </summary>
public sealed record JobServices(JobContext Context, IJobProgress Progress, ArtifactStore Artifacts, JobScheduler Scheduler)
{
    /// <summary>The job's live log: the injected <see cref="ILogger"/> writes its lines there too (none: it only logs).</summary>
    public JobOutputWriter? Output { get; init; }

    /// <summary>The clock of the lines the logger writes to <see cref="Output"/>.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    public static readonly IReadOnlySet<Type> Types = new HashSet<Type>
    {
        typeof(CancellationToken), typeof(ILogger), typeof(JobContext), typeof(IJobProgress), typeof(ArtifactStore), typeof(JobScheduler),
    };

    /// <summary>The value of a type in <see cref="Types"/>; null for any other type (a registered service).</summary>
    public object? Provide(Type type, Func<ILogger> logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(logger);
        return type switch
        {
            _ when type == typeof(CancellationToken) => cancellationToken,
            _ when type == typeof(ILogger) => Output is null ? logger() : new JobOutputLogger(logger(), Output, Clock),
            _ when type == typeof(JobContext) => Context,
            _ when type == typeof(IJobProgress) => Progress,
            _ when type == typeof(ArtifactStore) => Artifacts,
            _ when type == typeof(JobScheduler) => Scheduler,
            _ => null,
        };
    }
}
