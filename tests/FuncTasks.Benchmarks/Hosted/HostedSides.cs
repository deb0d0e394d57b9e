using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using FuncTasks.Testing;
using FuncTasks.Testing.Host;

namespace FuncTasks.Benchmarks.Hosted;

/// <summary>One start call as the client saw it: the instance (job) id, its Durable status URL, and when it was sent and answered.</summary>
internal sealed record StartedCall(string Id, Uri StatusQueryUri, DateTimeOffset Sent, DateTimeOffset Accepted);

/// <summary>
/// One Functions app under a real host, driven over HTTP as a client drives it: start an instance, poll it until it
/// has ended. The FuncTasks app (<see cref="JobSide"/>) and the bare Durable app (<see cref="BareSide"/>) are started
/// and polled the same way: a POST that answers 202 with an id, then one GET per poll through the host to a function
/// of the app that makes one storage read.
/// </summary>
internal abstract class HostedSide(string label, HostedApp app) : IAsyncDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(120);

    public string Label { get; } = label;

    public HostedApp App { get; } = app;

    public FunctionsHost Host => App.Hosts[0];

    /// <summary>Sends the function key.</summary>
    protected HttpClient Http { get; } = app.Hosts[0].CreateClient();

    /// <summary>For the Durable status URLs, which carry their own key (a function key beside it is refused).</summary>
    protected HttpClient Plain { get; } = app.Hosts[0].CreateClient(withKey: false);

    /// <summary>Starts one instance (a job, or a bare orchestration).</summary>
    public abstract Task<StartedCall> StartAsync(CancellationToken ct);

    /// <summary>
    /// Polls until the instance has ended as its client sees it (a job's record, a bare orchestration's status), every
    /// <paramref name="poll"/>; the last answer. Anything but a successful end throws.
    /// </summary>
    public abstract Task<JsonElement> WaitCompletedAsync(string id, TimeSpan poll, CancellationToken ct);

    /// <summary>Polls the instance's Durable status URL until the orchestration is Completed (the host answers 200).</summary>
    public async Task WaitOrchestrationCompletedAsync(StartedCall call, TimeSpan poll, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(call);
        await PollAsync($"{call.Id}'s orchestration", async () =>
        {
            using var response = await Plain.GetAsync(call.StatusQueryUri, ct);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                return null; // still running
            }

            var json = await ReadAsync(response, HttpStatusCode.OK, "the Durable status URL", ct);
            return json.GetProperty("runtimeStatus").GetString() == "Completed"
                ? json
                : throw new InvalidOperationException($"{Label}: orchestration {call.Id} ended {json.GetProperty("runtimeStatus")}: {json}");
        }, poll, ct);
    }

    protected async Task<JsonElement> PostAsync(string path, string? body, HttpStatusCode expected, CancellationToken ct)
    {
        using var content = new StringContent(body ?? string.Empty, Encoding.UTF8, "application/json");
        using var response = await Http.PostAsync(new Uri(path, UriKind.Relative), content, ct);
        return await ReadAsync(response, expected, $"POST {path}", ct);
    }

    protected async Task<JsonElement> GetAsync(string path, CancellationToken ct)
    {
        using var response = await Http.GetAsync(new Uri(path, UriKind.Relative), ct);
        return await ReadAsync(response, HttpStatusCode.OK, $"GET {path}", ct);
    }

    protected async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected, string what, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"{Label}: {what} answered {(int)response.StatusCode}, not {(int)expected}: {text}\n--- host log ---\n{Host.Tail(30)}");
        }

        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Calls <paramref name="probe"/> until it returns an answer, waiting <paramref name="poll"/> between calls.</summary>
    protected async Task<JsonElement> PollAsync(string what, Func<Task<JsonElement?>> probe, TimeSpan poll, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(probe);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } done)
            {
                return done;
            }

            if (clock.Elapsed > CallTimeout)
            {
                throw new TimeoutException($"{Label}: {what} has not ended after {CallTimeout.TotalSeconds:0} s\n--- host log ---\n{Host.Tail(30)}");
            }

            await Task.Delay(poll, ct);
        }
    }

    public virtual async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Plain.Dispose();
        await App.DisposeAsync();
    }

    protected static Uri StatusUri(JsonElement durable) => new(durable.GetProperty("statusQueryGetUri").GetString()!);
}

/// <summary>
/// The FuncTasks app: a function task of <see cref="Function"/>, executed with <c>POST /api/v1/tasks/{id}/$execute</c>
/// and followed with <c>GET /api/v1/jobs/{id}</c>, as the README's quick start does.
/// </summary>
internal sealed class JobSide : HostedSide
{
    /// <summary>
    /// The cheapest honest no-op the app ships: the sample task function <c>greet_user</c> returns a greeting at once (no
    /// I/O, no process). A shell <c>true</c> would add a process start (about 1 ms) and the shell runner's capture.
    /// </summary>
    public const string Function = "greet_user";

    private string? taskId;

    private JobSide(string label, HostedApp app)
        : base(label, app)
    {
    }

    public bool GateEnabled => !App.Settings.TryGetValue("FuncTasks__Concurrency__Enabled", out var enabled) || enabled != "false";

    /// <param name="taskSpec">The task its jobs run (a task's JSON); null: the sample <see cref="Function"/>.</param>
    public static async Task<JobSide> StartAsync(string label, IReadOnlyDictionary<string, string> settings, AzuriteServer? storage, CancellationToken ct, string? taskSpec = null)
    {
        var app = await HostedApp.StartAsync(Slug(label), settings: settings, scriptRoot: HostedFolders.App, storage: storage);
        var side = new JobSide(label, app);
        try
        {
            var task = await side.PostAsync("api/v1/tasks", taskSpec ?? $$"""{"command": "{{Function}}", "task_type": "function", "enabled": true}""", HttpStatusCode.Created, ct);
            side.taskId = task.GetProperty("id").GetString();
            return side;
        }
        catch
        {
            await side.DisposeAsync();
            throw;
        }
    }

    public override async Task<StartedCall> StartAsync(CancellationToken ct)
    {
        var sent = DateTimeOffset.UtcNow;
        var answer = await PostAsync($"api/v1/tasks/{taskId}/$execute", null, HttpStatusCode.Accepted, ct);
        var accepted = DateTimeOffset.UtcNow;
        return new StartedCall(answer.GetProperty("job_id").GetString()!, StatusUri(answer.GetProperty("durable")), sent, accepted);
    }

    /// <summary>Polls the job's record until it is <c>completed</c> (with its artifact); failed or canceled throws.</summary>
    public override Task<JsonElement> WaitCompletedAsync(string id, TimeSpan poll, CancellationToken ct) =>
        PollAsync($"job {id}", async () =>
        {
            var job = await GetAsync($"api/v1/jobs/{id}", ct);
            return job.GetProperty("status").GetString() switch
            {
                "completed" when job.GetProperty("artifact_id").ValueKind == JsonValueKind.String => job,
                "failed" or "canceled" or "completed" => throw new InvalidOperationException($"{Label}: job {id} ended badly: {job}\n--- host log ---\n{Host.Tail(30)}"),
                _ => null,
            };
        }, poll, ct);

    /// <summary>Polls <c>GET /api/v1/concurrency</c> until no permit is held and nobody waits (the last release applied).</summary>
    public Task WaitGateIdleAsync(TimeSpan poll, CancellationToken ct) =>
        PollAsync("the gate's last release", async () =>
        {
            var gate = await GetAsync("api/v1/concurrency", ct);
            return gate.GetProperty("in_use").GetInt32() == 0 && gate.GetProperty("waiting").GetInt32() == 0 ? gate : null;
        }, poll, ct);

    /// <summary><c>PUT /api/v1/concurrency</c>; answers once the gate shows the new limit.</summary>
    public async Task SetLimitAsync(int limit, CancellationToken ct)
    {
        using var content = new StringContent($$"""{"limit": {{limit}}}""", Encoding.UTF8, "application/json");
        using var response = await Http.PutAsync(new Uri("api/v1/concurrency", UriKind.Relative), content, ct);
        var gate = await ReadAsync(response, HttpStatusCode.OK, "PUT /api/v1/concurrency", ct);
        if (gate.GetProperty("limit").GetInt32() != limit)
        {
            throw new InvalidOperationException($"{Label}: the gate shows limit {gate.GetProperty("limit")} after PUT {limit}");
        }
    }

    /// <summary>The id of the task of <see cref="Function"/> this side created.</summary>
    public string TaskId => taskId!;

    /// <summary>Every job record (with <paramref name="filter"/>, for example <c>schedule_id=…</c>), through the paged list (100 a page).</summary>
    public async Task<IReadOnlyList<JobRecord>> ListJobsAsync(CancellationToken ct, string? filter = null) =>
        [.. (await ListAsync("api/v1/jobs", filter, ct)).Select(JobRecord.From)];

    /// <summary>Every schedule as the API shows it, through the paged list (100 a page).</summary>
    public Task<IReadOnlyList<JsonElement>> ListSchedulesAsync(CancellationToken ct) => ListAsync("api/v1/schedules", null, ct);

    /// <summary><c>GET /api/v1/schedules/{id}</c>.</summary>
    public Task<JsonElement> GetScheduleAsync(string id, CancellationToken ct) => GetAsync($"api/v1/schedules/{id}", ct);

    /// <summary><c>POST /api/v1/schedules</c> of this side's task; the new schedule's id.</summary>
    public async Task<string> CreateScheduleAsync(string cron, string overlap, CancellationToken ct)
    {
        var schedule = await PostAsync("api/v1/schedules", $$"""{"task_id": "{{taskId}}", "cron": "{{cron}}", "overlap": "{{overlap}}"}""", HttpStatusCode.Created, ct);
        return schedule.GetProperty("id").GetString()!;
    }

    /// <summary><c>PUT /api/v1/tasks/{id}</c> of this side's task with <c>enabled</c> set (a disabled task's fires start no job).</summary>
    public async Task SetTaskEnabledAsync(bool enabled, CancellationToken ct)
    {
        using var content = new StringContent($$"""{"command": "{{Function}}", "task_type": "function", "enabled": {{(enabled ? "true" : "false")}}}""", Encoding.UTF8, "application/json");
        using var response = await Http.PutAsync(new Uri($"api/v1/tasks/{taskId}", UriKind.Relative), content, ct);
        await ReadAsync(response, HttpStatusCode.OK, $"PUT /api/v1/tasks/{taskId}", ct);
    }

    private async Task<IReadOnlyList<JsonElement>> ListAsync(string path, string? filter, CancellationToken ct)
    {
        var items = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await GetAsync($"{path}?limit=100{(filter is null ? string.Empty : "&" + filter)}{(cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor))}", ct);
            items.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.Clone()));
            cursor = page.GetProperty("next_cursor").ValueKind == JsonValueKind.String ? page.GetProperty("next_cursor").GetString() : null;
        }
        while (cursor is not null);

        return items;
    }

    private static string Slug(string label) => new([.. label.Where(char.IsAsciiLetterOrDigit)]);
}

/// <summary>The bare Durable app (tests/FuncTasks.Benchmarks.BareApp): <c>POST /api/bare/start</c>, then <c>GET /api/bare/instances/{id}</c>.</summary>
internal sealed class BareSide : HostedSide
{
    private BareSide(string label, HostedApp app)
        : base(label, app)
    {
    }

    /// <summary>
    /// Starts the bare app; its 1-second timer function (<c>BareTimer</c>, the anchor of <c>schedule-lateness</c>) runs only
    /// with <paramref name="timer"/>, else the host is told it is disabled and starts no listener for it.
    /// </summary>
    public static async Task<BareSide> StartAsync(string label, IReadOnlyDictionary<string, string> settings, AzuriteServer? storage, bool timer = false)
    {
        var all = new Dictionary<string, string>(settings);
        if (!timer)
        {
            all["AzureWebJobs_BareTimer_Disabled"] = "true";
        }

        return new(label, await HostedApp.StartAsync("bare", settings: all, scriptRoot: HostedFolders.Bare, readyPath: "api/ready", storage: storage));
    }

    /// <summary>The timer function's invocations so far (<c>GET /api/bare/timer-runs</c>), oldest first.</summary>
    public async Task<IReadOnlyList<TimerRunRecord>> TimerRunsAsync(CancellationToken ct)
    {
        var runs = await GetAsync("api/bare/timer-runs", ct);
        return [.. runs.EnumerateArray().Select(r => new TimerRunRecord(r.GetProperty("ran").GetDateTimeOffset(), r.GetProperty("isPastDue").GetBoolean(), r.GetProperty("hasStatus").GetBoolean()))];
    }

    public override async Task<StartedCall> StartAsync(CancellationToken ct)
    {
        var sent = DateTimeOffset.UtcNow;
        var answer = await PostAsync("api/bare/start", null, HttpStatusCode.Accepted, ct);
        var accepted = DateTimeOffset.UtcNow;
        return new StartedCall(answer.GetProperty("id").GetString()!, StatusUri(answer), sent, accepted);
    }

    /// <summary>Polls the instance's status until it is Completed; another end throws.</summary>
    public override Task<JsonElement> WaitCompletedAsync(string id, TimeSpan poll, CancellationToken ct) =>
        PollAsync($"instance {id}", async () =>
        {
            var instance = await GetAsync($"api/bare/instances/{id}", ct);
            return instance.GetProperty("runtimeStatus").GetString() switch
            {
                "Completed" => instance,
                "Pending" or "Running" => null,
                _ => throw new InvalidOperationException($"{Label}: instance {id} ended badly: {instance}\n--- host log ---\n{Host.Tail(30)}"),
            };
        }, poll, ct);
}

/// <summary>One invocation of the bare app's timer function: when its body began; past due; whether the host gave it a schedule status.</summary>
internal sealed record TimerRunRecord(DateTimeOffset Ran, bool IsPastDue, bool HasStatus);

/// <summary>The Functions app folders the host benchmarks run: the builds of the harness's own configuration (Release with -c Release).</summary>
internal static class HostedFolders
{
    /// <summary>src/FuncTasks/bin/&lt;Configuration&gt;/net10.0/.</summary>
    public static string App => FunctionsHost.AppDirectory;

    /// <summary>tests/FuncTasks.Benchmarks.BareApp/bin/&lt;Configuration&gt;/net10.0/.</summary>
    public static string Bare { get; } = typeof(HostedFolders).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "BareAppDirectory").Value!;

    /// <summary>Null when a Functions host is found; else the one line that says why the benchmark cannot run.</summary>
    public static string? MissingHost()
    {
        try
        {
            return FunctionsHostLocator.Location is null ? FunctionsHostLocator.MissingReason : null;
        }
        catch (InvalidOperationException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>The host's version (from its WebHost assembly) or Core Tools' path.</summary>
    public static string DescribeHost()
    {
        var location = FunctionsHostLocator.Location!;
        return location.HostDll is { } dll
            ? $"{Path.GetDirectoryName(dll)} (Functions host {FileVersionInfo.GetVersionInfo(dll).FileVersion})"
            : location.Describe;
    }

    /// <summary>
    /// The code the apps' builds hold: the last commit that changed src/, host.json or the bare app, whether those have
    /// uncommitted changes, and whether a source file is newer than the app's build (then the figures are of an older
    /// build: rebuild). From git in the repository; "unknown" without git.
    /// </summary>
    public static string DescribeSource()
    {
        const string Paths = "-- src host.json tests/FuncTasks.Benchmarks.BareApp";
        var commit = Git($"log -1 --format=%h {Paths}");
        var changed = Git($"status --porcelain {Paths}");
        var built = File.GetLastWriteTimeUtc(Path.Combine(App, "FuncTasks.dll"));
        var newer = Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, "src"), "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Any(f => File.GetLastWriteTimeUtc(f) > built);
        return (commit is null ? "src/ of unknown commit (no git)" : $"src/ and host.json of commit {commit}")
               + (string.IsNullOrWhiteSpace(changed) ? string.Empty : " with uncommitted changes")
               + (newer ? " - WARNING: src/ has files newer than the app's build, rebuild before quoting" : string.Empty);

        static string? Git(string arguments)
        {
            try
            {
                using var git = Process.Start(new ProcessStartInfo("git", $"-C {RepositoryRoot.Path} {arguments}") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
                if (git is null)
                {
                    return null;
                }

                var output = git.StandardOutput.ReadToEnd().Trim();
                git.WaitForExit(5_000);
                return git.ExitCode == 0 && output.Length > 0 ? output : null;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return null;
            }
        }
    }

    /// <summary>The settings every host of these benchmarks gets on top of HostedApp's: a host id of its own per app.</summary>
    public static Dictionary<string, string> Settings(string app, IReadOnlyDictionary<string, string>? extra = null)
    {
        // Apps that share an Azurite must not share a host id (derived from the machine and the app folder otherwise: the
        // two FuncTasks apps would share one), or they would share the host's blob locks and timer schedules.
        var settings = new Dictionary<string, string> { ["AzureFunctionsWebHost__hostid"] = $"bench-{app}-{Guid.NewGuid():N}"[..32].TrimEnd('-') };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        return settings;
    }
}
