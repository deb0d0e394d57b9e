using System.Reflection;
using FuncTasks.Api;
using FuncTasks.Artifacts;
using FuncTasks.Execution;
using FuncTasks.Gate;
using FuncTasks.Idempotency;
using FuncTasks.Jobs;
using FuncTasks.Maintenance;
using FuncTasks.Schedules;
using FuncTasks.Output;
using FuncTasks.Security;
using FuncTasks.Storage;
using FuncTasks.TaskFunctions;
using FuncTasks.Tasks;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FuncTasks.Hosting;

public static class FuncTasksRegistration
{
    /// <summary>Everything the Functions app adds to the worker: services, middleware, durable serialization.</summary>
    public static FunctionsApplicationBuilder AddFuncTasks(this FunctionsApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddFuncTasksServices(builder.Configuration);
        builder.Services.AddHostedService<StartupChecks>();
        builder.Services.AddFuncTasksTelemetry(builder.Configuration);
        builder.Services.AddDurableSerialization();
        // The framework's results log two Information lines per response; the host logs each request already.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Http.Result", LogLevel.Warning);
        builder.UseMiddleware<HttpTriggerMiddleware>();
        return builder;
    }

    /// <summary>The app's services; the test hosts call this too, so they run the same graph.</summary>
    public static IServiceCollection AddFuncTasksServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<FuncTasksMetrics>();
        AddOptions<StorageOptions>(services, StorageOptions.Section);
        AddOptions<ApiOptions>(services, ApiOptions.Section);
        AddOptions<ExecutionOptions>(services, ExecutionOptions.Section);
        AddOptions<ShellOptions>(services, ShellOptions.Section);
        AddOptions<ConcurrencyOptions>(services, ConcurrencyOptions.Section);
        AddOptions<StreamOptions>(services, StreamOptions.Section);
        AddOptions<SecurityOptions>(services, SecurityOptions.Section);
        AddOptions<RetentionOptions>(services, RetentionOptions.Section);

        services.TryAddSingleton(sp => StorageAccount.FromConfiguration(configuration, sp.GetRequiredService<IOptions<StorageOptions>>()));
        services.TryAddSingleton(sp => sp.GetRequiredService<StorageAccount>().TableService);
        services.TryAddSingleton(sp => sp.GetRequiredService<StorageAccount>().BlobService);
        services.TryAddSingleton<ApiKeyCheck>();
        services.TryAddSingleton<TaskStore>();
        services.TryAddSingleton<TaskService>();
        services.TryAddSingleton<JobStore>();
        services.TryAddSingleton<JobLifecycle>();
        services.TryAddSingleton<PermitRequestPlanner>();
        services.TryAddSingleton<JobStreamWriter>();
        services.TryAddSingleton<JobStatistics>();
        services.TryAddSingleton<ArtifactStore>();
        services.TryAddSingleton<IdempotencyStore>();
        services.TryAddSingleton<IdempotentRequests>();
        services.TryAddSingleton<JobOutputStore>();
        services.TryAddSingleton<JobLogReader>();

        services.AddTaskFunctions(typeof(FuncTasksRegistration).Assembly);
        services.TryAddSingleton<TaskFunctionRegistry>();
        services.TryAddSingleton<TaskFunctionInvoker>();
        services.TryAddSingleton<ShellRunner>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITaskRunner, FunctionTaskRunner>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITaskRunner, ShellTaskRunner>());
        services.TryAddSingleton<CancelWatcher>();
        services.TryAddSingleton<ShellPolicy>();
        services.TryAddSingleton<JobSchedulerFactory>();
        services.TryAddSingleton<JobExecutor>();
        services.TryAddSingleton<JobRecorder>();
        services.TryAddSingleton<GateClient>();
        services.TryAddSingleton<GateOverflow>();
        services.TryAddSingleton<RetentionSweep>();
        services.TryAddSingleton<OrphanSweeper>();
        services.TryAddSingleton<ScheduleStore>();
        services.TryAddSingleton<ScheduleService>();
        services.TryAddSingleton<ScheduleFirer>();
        services.TryAddSingleton<ScheduleKeeper>();
        return services;
    }

    /// <summary>Registers a delegate as the task function <paramref name="name"/> (in Program.cs: <c>builder.AddTaskFunction("add", (int a, int b) => new { sum = a + b })</c>).</summary>
    public static FunctionsApplicationBuilder AddTaskFunction(this FunctionsApplicationBuilder builder, string name, Delegate function, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddTaskFunction(name, function, description);
        return builder;
    }

    /// <summary>Registers the [TaskFunction] methods of an assembly.</summary>
    public static IServiceCollection AddTaskFunctions(this IServiceCollection services, Assembly assembly)
    {
        if (!services.Any(d => d.ImplementationInstance is TaskFunctionSource { Assembly: { } a } && a == assembly))
        {
            services.AddSingleton(new TaskFunctionSource(assembly, null, null, null));
        }

        return services;
    }

    /// <summary>Registers a delegate (a lambda or a method group) as the task function <paramref name="name"/>.</summary>
    public static IServiceCollection AddTaskFunction(this IServiceCollection services, string name, Delegate function, string? description = null) =>
        services.AddSingleton(new TaskFunctionSource(null, name, function, description));

    private static void AddOptions<TOptions>(IServiceCollection services, string section)
        where TOptions : class =>
        services.AddOptions<TOptions>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
}
