using System.Text.Json;
using FuncTasks.Api;
using FuncTasks.Execution;
using FuncTasks.Tasks;

namespace FuncTasks.Schedules;

/// <summary>
/// Turns a create or replace body into a <see cref="ScheduleSpec"/>, or a 400 listing every bad field, the calendar
/// included: a malformed cron, an unknown time zone, or one that never occurs again (within <c>end_at</c>).
/// </summary>
public static class ScheduleSpecParser
{
    public const int MaxCatchUpSeconds = 86400;
    public const int DefaultCatchUpSeconds = 300;
    public const int MaxCronLength = 256;

    /// <summary>Parses the body; the id a client sent (if any) is returned for the caller to check.</summary>
    public static (ScheduleSpec Spec, string? ClientId) Parse(JsonElement body, DateTimeOffset now)
    {
        var fields = new JsonFields(body);
        // Read-only fields a client may echo back from a GET; they are ignored.
        fields.Allow("next_runs", "last_fire", "fires", "missed_fires", "disabled_reason", "created_at", "updated_at");

        var clientId = TaskSpecParser.ReadClientId(fields);
        var taskId = fields.ReadString("task_id", required: true);
        if (taskId is not null && !UlidIds.IsValid(taskId))
        {
            fields.AddError("task_id", "must be a ULID (26 characters of Crockford base32)");
            taskId = null;
        }

        var cron = fields.ReadString("cron", required: true, minLength: 1, maxLength: MaxCronLength);
        var timeZone = fields.ReadString("time_zone", required: false, minLength: 1, maxLength: 100) ?? "UTC";
        var parameters = fields.ReadObject("params");
        var env = TaskSpecParser.ReadEnv(fields);
        var enabled = fields.ReadBoolean("enabled") ?? true;
        var overlap = ReadOverlap(fields);
        var catchUp = fields.ReadInteger("catch_up_seconds", 0, MaxCatchUpSeconds) ?? DefaultCatchUpSeconds;
        var startAt = ExecuteRequest.ReadTimestamp(fields, "start_at");
        var endAt = ExecuteRequest.ReadTimestamp(fields, "end_at");
        var tags = TaskSpecParser.ReadTags(fields);

        if (parameters is { } p && p.GetRawText().Length > TaskSpecParser.MaxSerializedFieldChars)
        {
            fields.AddError("params", $"must serialize to at most {TaskSpecParser.MaxSerializedFieldChars} characters");
        }

        if (cron is not null)
        {
            var calendarErrors = new Dictionary<string, string[]>();
            ScheduleCalendar.TryCreate(cron, timeZone, startAt, endAt, now, calendarErrors);
            foreach (var (field, messages) in calendarErrors)
            {
                foreach (var message in messages)
                {
                    fields.AddError(field, message);
                }
            }
        }

        fields.RejectUnknown();
        fields.ThrowIfInvalid();
        return (new ScheduleSpec(taskId!, cron!.Trim(), timeZone, parameters?.Clone(), env, enabled, overlap, catchUp, startAt, endAt, tags), clientId);
    }

    private static OverlapPolicy ReadOverlap(JsonFields fields)
    {
        var text = fields.ReadString("overlap", required: false);
        if (text is null)
        {
            return OverlapPolicy.Skip;
        }

        foreach (var policy in Enum.GetValues<OverlapPolicy>())
        {
            if (EnumNames.ToSnake(policy) == text)
            {
                return policy;
            }
        }

        fields.AddError("overlap", "must be one of: skip, allow, buffer_one, cancel_previous");
        return OverlapPolicy.Skip;
    }
}
