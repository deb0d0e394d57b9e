using System.Text.Json;
using FuncTasks.Tasks;

namespace FuncTasks.Benchmarks.Store;

/// <summary>
/// The tasks the store benchmark writes and reads: a shell task (env, tags, timeout, retry) and a
/// function task (params, a tag), alternating, so every JSON-held property of a row is exercised.
/// </summary>
internal static class SampleTasks
{
    private static readonly DateTimeOffset Created = new(2025, 11, 27, 9, 30, 15, 123, TimeSpan.Zero);

    public static IReadOnlyList<TaskDefinition> Templates { get; } =
    [
        new TaskDefinition(
            Id: "template",
            Command: "python3 scripts/nightly_report.py --since yesterday --format csv",
            TaskType: TaskType.Shell,
            Params: null,
            Env: new Dictionary<string, string> { ["REPORT_BUCKET"] = "reports", ["LOG_LEVEL"] = "info" },
            Enabled: true,
            Tags: ["nightly", "reports"],
            TimeoutSeconds: 600,
            Retry: new RetryPolicy(3, RetryPolicy.DefaultFirstDelaySeconds, RetryPolicy.DefaultBackoff),
            CreatedAt: Created,
            UpdatedAt: Created),
        new TaskDefinition(
            Id: "template",
            Command: "send_digest",
            TaskType: TaskType.Function,
            Params: JsonDocument.Parse("""{"audience":"team","max_items":20,"include_closed":false}""").RootElement.Clone(),
            Env: new Dictionary<string, string>(),
            Enabled: true,
            Tags: ["digest"],
            TimeoutSeconds: null,
            Retry: null,
            CreatedAt: Created,
            UpdatedAt: Created),
    ];

    public static TaskDefinition For(int index, string id) => Templates[index % Templates.Count] with { Id = id };
}
