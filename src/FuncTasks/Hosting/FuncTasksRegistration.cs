using Azure.Core.Serialization;
using FuncTasks.Api;
using FuncTasks.Storage;
using FuncTasks.TaskFunctions;
using FuncTasks.Tasks;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FuncTasks.Hosting;

public static class FuncTasksRegistration
{
    /// <summary>Everything the Functions app adds to the worker: services, middleware, serializer.</summary>
    public static FunctionsApplicationBuilder AddFuncTasks(this FunctionsApplicationBuilder builder)
    {
        builder.Services.AddFuncTasksServices(builder.Configuration);
        builder.Services.AddHostedService<StorageInitializer>();
        // Durable payloads and entity state use the same JSON as the API.
        builder.Services.Configure<WorkerOptions>(o => o.Serializer = new JsonObjectSerializer(ApiJson.Options));
        builder.UseMiddleware<ProblemDetailsMiddleware>();
        return builder;
    }

    /// <summary>The app's services; the test hosts call this too, so they run the same graph.</summary>
    public static IServiceCollection AddFuncTasksServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        services.TryAddSingleton(sp => StorageAccount.FromConfiguration(configuration, sp.GetRequiredService<IOptions<StorageOptions>>()));
        services.TryAddSingleton<TaskFunctionRegistry>();
        services.TryAddSingleton<TaskStore>();
        services.TryAddSingleton<TaskService>();
        return services;
    }
}
