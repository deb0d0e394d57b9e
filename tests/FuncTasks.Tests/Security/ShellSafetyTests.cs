using System.Net;
using FuncTasks.Tests.Infrastructure;

namespace FuncTasks.Tests.Security;

/// <summary>Shell tasks switched off: creating or executing one is a clear 403, never a silent no-op.</summary>
public sealed class ShellDisabledTests() : AppTests(new Dictionary<string, string?> { ["FuncTasks:Shell:Enabled"] = "false" }, withDurable: true)
{
    [Fact]
    public async Task CreateShellTask_Is403_AndStoresNothing()
    {
        var before = await App.SnapshotAsync();
        using var response = await App.PostAsync("/api/v1/tasks", """{"command": "echo hi"}""");
        var problem = await Json.AssertProblemAsync(response, 403, "shell-disabled");
        Assert.Contains("FuncTasks:Shell:Enabled", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await App.SnapshotAsync());
    }

    [Fact]
    public async Task ExecuteShellTaskStoredWhileEnabled_Is403_AndStartsNothing()
    {
        // The task was stored when shell tasks were on (same tables, another instance of the app).
        await using var enabled = await AppHost.StartAsync(new Dictionary<string, string?>
        {
            ["FuncTasks:Storage:TablePrefix"] = App.Prefix,
        });
        var taskId = (await enabled.CreateTaskAsync("""{"command": "echo hi"}""")).GetProperty("id").GetString();

        var before = await App.SnapshotAsync();
        using var response = await App.PostAsync($"/api/v1/tasks/{taskId}/$execute");
        await Json.AssertProblemAsync(response, 403, "shell-disabled");
        Assert.Equal(before, await App.SnapshotAsync());
    }

    [Fact]
    public async Task FunctionTasks_StillRun()
    {
        var jobId = await JobWaits.ExecuteAsync(App, """{"command": "greet_user"}""");
        Assert.Equal("completed", (await JobWaits.UntilAsync(App, jobId)).GetProperty("status").GetString());
    }
}

/// <summary>An executable allow-list: commands run without a shell, their executable must be listed, shell syntax is refused.</summary>
public sealed class ShellAllowListTests() : AppTests(new Dictionary<string, string?>
{
    ["FuncTasks:Shell:Enabled"] = "true",
    ["FuncTasks:Shell:AllowedExecutables"] = "echo, printf",
}, withDurable: true)
{
    public static TheoryData<string> Injections => new()
    {
        "echo hi; rm -rf /tmp/x",
        "echo hi && cat /etc/passwd",
        "echo hi || true",
        "echo hi | sh",
        "echo `id`",
        "echo $(id)",
        "echo ${HOME}",
        "echo hi > /tmp/functasks-pwned",
        "echo hi >> /tmp/functasks-pwned",
        "echo < /etc/passwd",
        "echo hi &",
        "echo hi\nid",
        "echo 'quoted ; semicolon'",
    };

    [Theory]
    [MemberData(nameof(Injections))]
    public async Task ShellSyntax_IsRefusedAtCreate_With400(string command)
    {
        var before = await App.SnapshotAsync();
        using var response = await App.PostAsync("/api/v1/tasks", System.Text.Json.JsonSerializer.Serialize(new { command }));
        await Json.AssertProblemAsync(response, 400, "validation-failed", "command");
        Assert.Equal(before, await App.SnapshotAsync());
    }

    [Theory]
    [InlineData("cat /etc/passwd")]
    [InlineData("/bin/echo hi")]
    [InlineData("sh -c 'echo hi'")]
    [InlineData("bash")]
    [InlineData("ECHO hi")]
    public async Task ExecutableNotOnTheList_Is403(string command)
    {
        using var response = await App.PostAsync("/api/v1/tasks", System.Text.Json.JsonSerializer.Serialize(new { command }));
        await Json.AssertProblemAsync(response, 403, "executable-not-allowed");
    }

    [Theory]
    [InlineData("echo 'unterminated")]
    [InlineData("echo \"unterminated")]
    [InlineData("echo trailing\\")]
    public async Task UnbalancedQuoting_Is400(string command)
    {
        using var response = await App.PostAsync("/api/v1/tasks", System.Text.Json.JsonSerializer.Serialize(new { command }));
        await Json.AssertProblemAsync(response, 400, "validation-failed", "command");
    }

    [Fact]
    public async Task AllowedCommand_RunsWithoutAShell_ArgumentsVerbatim()
    {
        var jobId = await JobWaits.ExecuteAsync(App, """{"command": "printf '%s,' \"two  words\" '$HOME' *"}""");
        var job = await JobWaits.UntilAsync(App, jobId);
        Assert.Equal("completed", job.GetProperty("status").GetString());
        var data = (await JobWaits.ArtifactAsync(App, job.GetProperty("artifact_id").GetString()!)).GetProperty("data");
        // No shell: no variable expansion, no globbing, quotes only group words.
        Assert.Equal("two  words,$HOME,*,", data.GetProperty("stdout").GetString());
    }

    [Fact]
    public async Task ExecuteRechecksTheList_ForATaskStoredWithoutIt()
    {
        await using var open = await AppHost.StartAsync(new Dictionary<string, string?>
        {
            ["FuncTasks:Storage:TablePrefix"] = App.Prefix,
            ["FuncTasks:Shell:Enabled"] = "true",
        });
        var taskId = (await open.CreateTaskAsync("""{"command": "echo hi; id"}""")).GetProperty("id").GetString();

        var before = await App.SnapshotAsync();
        using var response = await App.PostAsync($"/api/v1/tasks/{taskId}/$execute");
        await Json.AssertProblemAsync(response, 400, "validation-failed", "command");
        Assert.Equal(before, await App.SnapshotAsync());
    }
}
