using FuncTasks.Tests.Infrastructure;
using System.Diagnostics;
using FuncTasks.Execution;
using Microsoft.Extensions.Options;

namespace FuncTasks.Tests.Execution;

/// <summary>ShellRunner with real processes through /bin/sh: output, exit codes, environment, timeouts and cancel.</summary>
public sealed class ShellRunnerTests
{
    private const int InlineLimit = 64 * 1024;
    private static readonly Dictionary<string, string> NoEnv = [];
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    private readonly ShellRunner runner = new(Options.Create(new ExecutionOptions { InlineOutputBytes = InlineLimit }), TimeProvider.System);

    [Fact]
    public async Task RunAsync_Echo_CapturesStdoutAndExitCodeZero()
    {
        using var result = await runner.RunAsync("echo hello", NoEnv, Long, CancellationToken.None);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("hello\n", result.Stdout.InlineText);
        Assert.Equal(6, result.Stdout.TotalBytes);
        Assert.False(result.Stdout.Truncated);
        Assert.Equal(string.Empty, result.Stderr.InlineText);
        Assert.False(result.TimedOut);
        Assert.False(result.Canceled);
        Assert.True(result.Duration > TimeSpan.Zero);
    }

    [Fact]
    public async Task RunAsync_Pipe_RunsThroughTheShell()
    {
        using var result = await runner.RunAsync("printf 'b\\na\\n' | sort", NoEnv, Long, CancellationToken.None);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("a\nb\n", result.Stdout.InlineText);
    }

    [Fact]
    public async Task RunAsync_Quotes_KeepsQuotedSpacing()
    {
        using var result = await runner.RunAsync("echo 'a  b' \"c\"", NoEnv, Long, CancellationToken.None);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("a  b c\n", result.Stdout.InlineText);
    }

    [Fact]
    public async Task RunAsync_Exit42_ReportsExitCode42()
    {
        using var result = await runner.RunAsync("exit 42", NoEnv, Long, CancellationToken.None);

        Assert.Equal(42, result.ExitCode);
        Assert.False(result.TimedOut);
        Assert.False(result.Canceled);
    }

    [Fact]
    public async Task RunAsync_StderrOnly_CapturesStderrSeparately()
    {
        using var result = await runner.RunAsync("echo oops >&2", NoEnv, Long, CancellationToken.None);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(string.Empty, result.Stdout.InlineText);
        Assert.Equal(0, result.Stdout.TotalBytes);
        Assert.Equal("oops\n", result.Stderr.InlineText);
    }

    [Fact]
    public async Task RunAsync_EnvironmentVariables_AreSeenByTheCommand()
    {
        var env = new Dictionary<string, string> { ["GREETING"] = "hi  there", ["OTHER_ONE"] = "2" };

        using var result = await runner.RunAsync("echo \"$GREETING\" \"$OTHER_ONE\"", env, Long, CancellationToken.None);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("hi  there 2\n", result.Stdout.InlineText);
    }

    [Fact]
    public async Task RunAsync_EnvironmentVariables_AreMergedOverTheInheritedEnvironment()
    {
        // PATH is inherited (tr and sort are found through it); HOME is overridden by the dictionary.
        var env = new Dictionary<string, string> { ["GREETING"] = "hello", ["HOME"] = "/nonexistent-home" };

        using var result = await runner.RunAsync("echo \"$GREETING\" | tr a-z A-Z; echo \"$HOME\"; test -n \"$PATH\" && echo has-path", env, Long, CancellationToken.None);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("HELLO\n/nonexistent-home\nhas-path\n", result.Stdout.InlineText);
        Assert.Equal(string.Empty, result.Stderr.InlineText);
    }

    [Fact]
    public async Task RunAsync_SleepPastTimeout_KillsItAndReportsTimedOut()
    {
        using var probe = ProcessProbe.Sleep();
        var watch = Stopwatch.StartNew();
        using var result = await runner.RunAsync($"sleep {probe.Marker}", NoEnv, TimeSpan.FromSeconds(1), CancellationToken.None);
        watch.Stop();

        Assert.True(result.TimedOut);
        Assert.False(result.Canceled);
        Assert.Null(result.ExitCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(0.9), $"returned before its timeout: {watch.Elapsed}");
        var left = await probe.WaitGoneAsync(TimeSpan.FromSeconds(3));
        Assert.True(left.Count == 0, $"still running: {ProcessProbe.Describe(left)}");
    }

    [Fact]
    public async Task RunAsync_GrandchildInSubshellPastTimeout_KillsTheWholeTree()
    {
        using var probe = ProcessProbe.Sleep();
        var watch = Stopwatch.StartNew();
        using var result = await runner.RunAsync($"(sleep {probe.Marker} & wait); echo never", NoEnv, TimeSpan.FromSeconds(1), CancellationToken.None);
        watch.Stop();

        Assert.True(result.TimedOut);
        Assert.Null(result.ExitCode);
        Assert.DoesNotContain("never", result.Stdout.InlineText, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
        var left = await probe.WaitGoneAsync(TimeSpan.FromSeconds(3));
        Assert.True(left.Count == 0, $"still running: {ProcessProbe.Describe(left)}");
    }

    [Fact]
    public async Task RunAsync_BashWithTwoSleepsPastTimeout_KillsBoth()
    {
        using var first = ProcessProbe.Sleep();
        using var second = ProcessProbe.Sleep();
        using var result = await runner.RunAsync($"bash -c 'sleep {first.Marker} & sleep {second.Marker}'", NoEnv, TimeSpan.FromSeconds(1), CancellationToken.None);

        Assert.True(result.TimedOut);
        Assert.Null(result.ExitCode);
        var left = (await first.WaitGoneAsync(TimeSpan.FromSeconds(3))).Concat(await second.WaitGoneAsync(TimeSpan.FromSeconds(1))).ToList();
        Assert.True(left.Count == 0, $"still running: {ProcessProbe.Describe(left)}");
    }

    [Fact]
    public async Task RunAsync_CommandExitsZeroLeavingABackgroundChild_EndsAtOnceAndTheChildIsGone()
    {
        // The shell exits at once; its background child holds the stdout pipe. Nothing outlives the run: the child is
        // killed when the shell exits, so the output ends and the run completes with the shell's exit code.
        using var probe = ProcessProbe.Sleep();
        var watch = Stopwatch.StartNew();
        using var result = await runner.RunAsync($"sleep {probe.Marker} & echo started", NoEnv, Long, CancellationToken.None);
        watch.Stop();

        Assert.Equal(0, result.ExitCode);
        Assert.False(result.TimedOut);
        Assert.Equal("started\n", result.Stdout.InlineText);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.Equal(0, probe.Count);
    }

    [Fact]
    public async Task RunAsync_BackgroundChildWithItsOutputElsewhere_IsGoneWhenTheRunEnds()
    {
        using var probe = ProcessProbe.Sleep();
        using var result = await runner.RunAsync($"sleep {probe.Marker} > /dev/null 2>&1 & echo started", NoEnv, Long, CancellationToken.None);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(0, probe.Count);
    }

    [Fact]
    public async Task RunAsync_EachRunMarksItsProcesses_WithAnIdOfItsOwn()
    {
        // The marker is how a kill finds the processes a shell left in the background.
        using var first = await runner.RunAsync("echo $FUNCTASKS_RUN_ID; sh -c 'echo $FUNCTASKS_RUN_ID'", NoEnv, Long, CancellationToken.None);
        using var second = await runner.RunAsync("echo $FUNCTASKS_RUN_ID", NoEnv, Long, CancellationToken.None);

        var ids = first.Stdout.InlineText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, ids.Length);
        Assert.Matches("^[0-9a-f]{32}$", ids[0]);
        Assert.Equal(ids[0], ids[1]);
        Assert.NotEqual(ids[0], second.Stdout.InlineText.Trim());
    }

    [Fact]
    public async Task RunAsync_CanceledWhileRunning_KillsItAndReportsCanceled()
    {
        using var probe = ProcessProbe.Sleep();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var watch = Stopwatch.StartNew();
        using var result = await runner.RunAsync($"(sleep {probe.Marker} & wait)", NoEnv, Long, cancel.Token);
        watch.Stop();

        Assert.True(result.Canceled);
        Assert.False(result.TimedOut);
        Assert.Null(result.ExitCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
        var left = await probe.WaitGoneAsync(TimeSpan.FromSeconds(3));
        Assert.True(left.Count == 0, $"still running: {ProcessProbe.Describe(left)}");
    }

    [Fact]
    public async Task RunAsync_AlreadyCanceledToken_ReportsCanceledAndLeavesNothingRunning()
    {
        using var probe = ProcessProbe.Sleep();
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        using var result = await runner.RunAsync($"sleep {probe.Marker}", NoEnv, Long, cancel.Token);

        Assert.True(result.Canceled);
        Assert.Null(result.ExitCode);
        Assert.Empty(await probe.WaitGoneAsync(TimeSpan.FromSeconds(3)));
    }

    [Fact]
    public async Task RunAsync_BytesThatAreNotUtf8_BecomeReplacementCharacters()
    {
        using var result = await runner.RunAsync("printf '\\377\\376 ok\\n'", NoEnv, Long, CancellationToken.None);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(6, result.Stdout.TotalBytes);
        Assert.Equal("\uFFFD\uFFFD ok\n", result.Stdout.InlineText);
    }

    [Fact]
    public async Task RunAsync_SmallOutput_IsExactAndNotTruncated()
    {
        using var result = await runner.RunAsync("printf 'line one\\nline two\\n'; printf 'é€\\n'", NoEnv, Long, CancellationToken.None);

        Assert.Equal(0, result.ExitCode);
        Assert.False(result.Stdout.Truncated);
        Assert.False(result.Stderr.Truncated);
        Assert.Equal("line one\nline two\né€\n", result.Stdout.InlineText);
        Assert.Equal(18 + 1 + 2 + 3, result.Stdout.TotalBytes);
        Assert.Throws<InvalidOperationException>(() => result.Stdout.OpenFull());
    }

    [Fact]
    public async Task RunAsync_ExecutableWithoutShell_PassesArgumentsVerbatim()
    {
        using var result = await runner.RunAsync("/bin/echo", ["a  b", "$HOME", "|"], NoEnv, Long, CancellationToken.None);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("a  b $HOME |\n", result.Stdout.InlineText);
    }
}
