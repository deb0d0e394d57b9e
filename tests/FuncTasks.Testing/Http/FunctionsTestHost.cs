using System.Reflection;
using FuncTasks.Api;
using FuncTasks.Hosting;
using FuncTasks.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FuncTasks.Testing.Http;

/// <summary>
/// Serves the app's HTTP functions in-process the way the Functions host does: every route, method and
/// entry point comes from functions.metadata (with host.json's route prefix), the function class is
/// created from DI per request, parameters are bound like the worker binds them (trigger request,
/// route values, [DurableClient], FunctionContext, CancellationToken), the app's own <see cref="HttpTriggerPipeline"/>
/// runs around it (the API-key check, thrown exceptions as problem details) as in the worker, and the returned
/// IResult is executed on a real HttpContext.
/// With <c>listen</c> it serves on a loopback port over Kestrel instead of the in-memory test server (for a browser);
/// with a <c>functionKey</c> it refuses, as the host does, a request to a function of auth level Function that does not
/// carry that key in <c>x-functions-key</c> or <c>?code=</c> (401, empty body).
/// </summary>
public sealed class FunctionsTestHost : IAsyncDisposable
{
    private readonly WebApplication app;

    private FunctionsTestHost(WebApplication app, Uri? listening, string? functionKey)
    {
        this.app = app;
        if (listening is null)
        {
            Client = app.GetTestClient();
            Client.BaseAddress = new Uri("http://localhost/");
        }
        else
        {
            Client = new HttpClient { BaseAddress = listening };
        }

        if (functionKey is not null)
        {
            Client.DefaultRequestHeaders.Add(FunctionKeyHeader, functionKey);
        }

        BaseAddress = Client.BaseAddress;
    }

    public const string FunctionKeyHeader = "x-functions-key";

    public HttpClient Client { get; }

    /// <summary>Where the app answers: a loopback URL a browser can open when started with <c>listen</c>.</summary>
    public Uri BaseAddress { get; }
    public IServiceProvider Services => app.Services;

    public static async Task<FunctionsTestHost> StartAsync(
        IReadOnlyDictionary<string, string?> settings,
        Action<IServiceCollection>? configureServices = null,
        bool listen = false,
        string? functionKey = null)
    {
        var builder = WebApplication.CreateBuilder();
        if (listen)
        {
            builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        }
        else
        {
            builder.WebHost.UseTestServer();
        }

        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddRouting();
        builder.Services.AddFuncTasksServices(builder.Configuration);
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        app.UseRouting();
        var pipeline = ActivatorUtilities.CreateInstance<HttpTriggerPipeline>(app.Services);
        var prefix = FunctionsMetadata.RoutePrefix();
        var assembly = typeof(ProblemMapper).Assembly;
        foreach (var function in FunctionsMetadata.HttpFunctions())
        {
            var pattern = string.IsNullOrEmpty(prefix) ? function.Route : $"{prefix}/{function.Route}";
            var method = ResolveEntryPoint(assembly, function.EntryPoint);
            app.MapMethods(pattern, function.Methods, context => HasKey(context, function, functionKey)
                    ? InvokeAsync(context, pipeline, function, method)
                    : Refuse(context))
                .WithDisplayName(function.Name);
        }

        await app.Services.GetRequiredService<StorageAccount>().EnsureCreatedAsync(CancellationToken.None).ConfigureAwait(false);
        await app.StartAsync().ConfigureAwait(false);
        var listening = listen
            ? new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/")
            : null;
        return new FunctionsTestHost(app, listening, functionKey);
    }

    private static bool HasKey(HttpContext context, HttpFunctionMetadata function, string? functionKey) =>
        functionKey is null
        || string.Equals(function.AuthLevel, "Anonymous", StringComparison.OrdinalIgnoreCase)
        || context.Request.Headers[FunctionKeyHeader] == functionKey
        || (context.Request.Headers[FunctionKeyHeader].Count == 0 && context.Request.Query["code"] == functionKey);

    private static Task Refuse(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }

    private static MethodInfo ResolveEntryPoint(Assembly assembly, string entryPoint)
    {
        var split = entryPoint.LastIndexOf('.');
        var type = assembly.GetType(entryPoint[..split], throwOnError: true)!;
        return type.GetMethod(entryPoint[(split + 1)..], BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            ?? throw new InvalidOperationException($"Entry point {entryPoint} not found.");
    }

    private static async Task InvokeAsync(HttpContext context, HttpTriggerPipeline pipeline, HttpFunctionMetadata function, MethodInfo method)
    {
        var answer = await pipeline.InvokeAsync(context, function.Name, () => InvokeFunctionAsync(context, function, method)).ConfigureAwait(false);
        switch (answer)
        {
            case IResult result:
                await result.ExecuteAsync(context).ConfigureAwait(false);
                break;
            case not null:
                throw new InvalidOperationException($"{function.EntryPoint} returned a {answer.GetType().Name}; HTTP functions return an IResult.");
        }
    }

    private static async Task<object?> InvokeFunctionAsync(HttpContext context, HttpFunctionMetadata function, MethodInfo method)
    {
        var instance = method.IsStatic ? null : ActivatorUtilities.CreateInstance(context.RequestServices, method.DeclaringType!);
        var arguments = method.GetParameters().Select(p => Bind(p, context, function)).ToArray();
        return await Execution.MethodResults.AwaitAsync(method.Invoke(instance, arguments), method.ReturnType).ConfigureAwait(false);
    }

    private static object? Bind(ParameterInfo parameter, HttpContext context, HttpFunctionMetadata function)
    {
        if (parameter.GetCustomAttribute<HttpTriggerAttribute>() is not null)
        {
            return parameter.ParameterType == typeof(HttpContext) ? context : context.Request;
        }

        if (parameter.GetCustomAttribute<DurableClientAttribute>() is not null)
        {
            return context.RequestServices.GetRequiredService<DurableTaskClient>();
        }

        if (parameter.ParameterType == typeof(FunctionContext))
        {
            return new TestFunctionContext(context.RequestServices, function.Name, context.RequestAborted);
        }

        if (parameter.ParameterType == typeof(CancellationToken))
        {
            return context.RequestAborted;
        }

        if (parameter.ParameterType == typeof(string) && context.Request.RouteValues.TryGetValue(parameter.Name!, out var value))
        {
            return value?.ToString();
        }

        throw new InvalidOperationException($"The test host cannot bind parameter '{parameter.Name}' of {function.EntryPoint}.");
    }
}
