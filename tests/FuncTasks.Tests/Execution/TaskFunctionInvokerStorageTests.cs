using System.Text.Json;
using FuncTasks.Api;
using FuncTasks.Artifacts;
using FuncTasks.Execution;
using FuncTasks.Hosting;
using FuncTasks.Jobs;
using FuncTasks.TaskFunctions;
using FuncTasks.Tasks;
using FuncTasks.Testing;
using FuncTasks.Tests.Infrastructure;
using FuncTasks.Tests.TaskFunctions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FuncTasks.Tests.Execution;

/// <summary>
/// TaskFunctionInvoker as the app wires it, on Azurite: the shipped samples with real artifact and job
/// stores, and every injectable type handed over. The job's scheduler is made by the app's factory
/// without a Durable client (nothing here schedules; the tests only check it is the one handed over).
/// </summary>
public sealed class TaskFunctionInvokerStorageTests : AppTests
{
    private Injected? injected;

    private TaskFunctionInvoker Invoker => App.Services.GetRequiredService<TaskFunctionInvoker>();
    private TaskFunctionRegistry Registry => App.Services.GetRequiredService<TaskFunctionRegistry>();
    private ArtifactStore Artifacts => App.Services.GetRequiredService<ArtifactStore>();
    private JobStore Jobs => App.Services.GetRequiredService<JobStore>();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await App.Storage.EnsureCreatedAsync(CancellationToken.None);
    }

    protected override FuncTasksTestAppOptions Options(string connectionString) => AppHost.Options(connectionString, configureServices: services =>
    {
        services.AddSingleton<GreetingService>();
        services.AddTaskFunction("tfi_inject_everything", (Func<CancellationToken, ILogger, JobContext, IJobProgress, ArtifactStore, JobScheduler, GreetingService, object>)(
            (ct, logger, job, progress, artifacts, scheduler, greeter) =>
            {
                injected = new Injected(logger, job, progress, artifacts, scheduler, greeter, ct);
                return new { ok = true };
            }));
    });

    private JobServices NewJob(out JobContext context)
    {
        var clock = TimeProvider.System;
        context = new JobContext(UlidIds.New(clock), UlidIds.New(clock), UlidIds.New(clock), 1);
        return new JobServices(
            context,
            new JobProgressReporter(Jobs, context.JobId, clock),
            Artifacts.ForJob(context),
            App.Services.GetRequiredService<JobSchedulerFactory>().Create(null!));
    }

    private Task<JsonElement?> RunAsync(string function, string? parameters, JobServices job, CancellationToken cancellationToken = default) =>
        Invoker.InvokeAsync(Registry.Find(function) ?? throw new InvalidOperationException($"{function} is not registered"),
            parameters is null ? null : JsonDocument.Parse(parameters).RootElement.Clone(), job, cancellationToken);

    [Fact]
    public async Task InvokeAsync_EveryInjectableType_ReceivesTheJobsServicesAndTheAppsOwn()
    {
        var job = NewJob(out var context);
        using var source = new CancellationTokenSource();

        var result = await RunAsync("tfi_inject_everything", null, job, source.Token);

        Assert.Equal("""{"ok":true}""", result!.Value.GetRawText());
        var seen = Assert.IsType<Injected>(injected);
        Assert.Equal(source.Token, seen.CancellationToken);
        Assert.NotNull(seen.Logger);
        Assert.Same(context, seen.Job);
        Assert.Same(job.Progress, seen.Progress);
        Assert.Same(job.Artifacts, seen.Artifacts);
        Assert.Same(job.Scheduler, seen.Scheduler);
        Assert.Same(App.Services.GetRequiredService<GreetingService>(), seen.Greeter);
    }

    [Fact]
    public async Task InvokeAsync_StoreResultSample_SavesTheDataAsAnArtifactOfTheJob()
    {
        var job = NewJob(out var context);

        var result = await RunAsync("store_result", """{"data": {"k": [1, "two", null]}}""", job);

        var id = result!.Value.GetProperty("artifact_id").GetString()!;
        var artifact = await Artifacts.GetAsync(id, includeData: true, CancellationToken.None);
        Assert.NotNull(artifact);
        Assert.Equal("""{"k":[1,"two",null]}""", artifact.Data!.Value.GetRawText());
        Assert.Equal(context.JobId, artifact.JobId);
        Assert.Equal(context.TaskId, artifact.TaskId);
        Assert.Equal(context.ResultArtifactId, artifact.ParentId);
    }

    [Fact]
    public async Task InvokeAsync_LongTaskSample_ReportsProgressOnTheRunningJob()
    {
        var job = NewJob(out var context);
        var now = DateTimeOffset.UtcNow;
        await Jobs.CreateAsync(new Job(context.JobId, context.TaskId, TaskType.Function, "long_task", null, JobStatus.Running,
            now, now, null, null, null, null, null) { Attempt = 1 }, CancellationToken.None);

        var result = await RunAsync("long_task", """{"steps": 3, "step_seconds": 0.01}""", job);

        Assert.Equal("""{"status":"complete","steps":3}""", result!.Value.GetRawText());
        var progress = (await Jobs.GetAsync(context.JobId, CancellationToken.None))!.Progress;
        Assert.NotNull(progress);
        Assert.Equal(100.0, progress.Percent);
        Assert.Equal("Progress: 3/3", progress.Message);
    }

    [Fact]
    public async Task InvokeAsync_LongTaskSampleCanceled_StopsWithOperationCanceled()
    {
        var job = NewJob(out _);
        using var source = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RunAsync("long_task", """{"steps": 100, "step_seconds": 1}""", job, source.Token));
    }

    [Fact]
    public async Task InvokeAsync_ProcessDataSample_WritesANoteArtifactAndReportsEndpoints()
    {
        var job = NewJob(out var context);

        var result = (await RunAsync("process_data", null, job))!.Value;

        Assert.Equal("complete", result.GetProperty("status").GetString());
        Assert.Equal(App.Storage.TableService.Uri.ToString(), result.GetProperty("tables_endpoint").GetString());
        var note = await Artifacts.GetAsync(result.GetProperty("note_artifact_id").GetString()!, includeData: true, CancellationToken.None);
        Assert.Equal(context.JobId, note!.Data!.Value.GetProperty("job_id").GetString());
        Assert.Equal("process_data ran", note.Data!.Value.GetProperty("note").GetString());
    }

    [Fact]
    public async Task InvokeAsync_PlainSamples_ReturnTheirResults()
    {
        var job = NewJob(out _);

        Assert.Equal("""{"message":"Hello, World!"}""", (await RunAsync("greet_user", null, job))!.Value.GetRawText());
        Assert.Equal("""{"message":"Hello, Ada!"}""", (await RunAsync("greet_user", """{"name": "Ada"}""", job))!.Value.GetRawText());
        Assert.Equal("""{"result":5}""", (await RunAsync("add", """{"a": 2, "b": 3}""", job))!.Value.GetRawText());
        Assert.Equal("""{"status":"success","result":"RISKY"}""", (await RunAsync("safe_task", """{"risky_param": "risky"}""", job))!.Value.GetRawText());
        Assert.Equal("error", (await RunAsync("safe_task", """{"risky_param": " "}""", job))!.Value.GetProperty("status").GetString());
    }

    private sealed record Injected(ILogger Logger, JobContext Job, IJobProgress Progress,
        ArtifactStore Artifacts, JobScheduler Scheduler, GreetingService Greeter, CancellationToken CancellationToken);
}
