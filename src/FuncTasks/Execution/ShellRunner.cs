using System.Diagnostics;
using CliWrap;
using Microsoft.Extensions.Options;

namespace FuncTasks.Execution;

/// <summary>How a shell command ended. Dispose it to delete the spilled output files.</summary>
public sealed class ShellResult(int? exitCode, OutputCaptureStream stdout, OutputCaptureStream stderr, bool timedOut, bool canceled, TimeSpan duration)
    : IDisposable
{
    /// <summary>The process's exit code; null when it was killed (timeout or cancel).</summary>
    public int? ExitCode { get; } = exitCode;
    public OutputCaptureStream Stdout { get; } = stdout;
    public OutputCaptureStream Stderr { get; } = stderr;
    public bool TimedOut { get; } = timedOut;
    public bool Canceled { get; } = canceled;
    public TimeSpan Duration { get; } = duration;

    public void Dispose()
    {
        Stdout.Dispose();
        Stderr.Dispose();
    }
}

/// <summary>
/// Runs a shell command through the platform shell (<c>/bin/sh -c</c>, or <c>cmd.exe /c</c> on
/// Windows) so pipes and quotes work; captures stdout and stderr as they stream, in bounded memory;
/// kills the whole process tree on timeout or cancel.
/// </summary>
public sealed class ShellRunner(IOptions<ExecutionOptions> options)
{
    public async Task<ShellResult> RunAsync(string command, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var (shell, arguments) = OperatingSystem.IsWindows()
            ? ("cmd.exe", new[] { "/d", "/s", "/c", command })
            : ("/bin/sh", new[] { "-c", command });
        return await RunAsync(shell, arguments, environment, timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs an executable with arguments, without a shell.</summary>
    public async Task<ShellResult> RunAsync(string executable, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        var stdout = new OutputCaptureStream(options.Value.InlineOutputBytes);
        var stderr = new OutputCaptureStream(options.Value.InlineOutputBytes);
        using var timeoutSource = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        var watch = Stopwatch.StartNew();
        int? exitCode = null;
        try
        {
            var result = await Cli.Wrap(executable)
                .WithArguments(arguments)
                .WithEnvironmentVariables(environment.ToDictionary(e => e.Key, e => (string?)e.Value))
                .WithStandardOutputPipe(PipeTarget.ToStream(stdout))
                .WithStandardErrorPipe(PipeTarget.ToStream(stderr))
                .WithValidation(CommandResultValidation.None)
                .ExecuteAsync(linked.Token)
                .ConfigureAwait(false);
            exitCode = result.ExitCode;
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            // CliWrap killed the process tree; report which limit ended it.
        }

        return new ShellResult(exitCode, stdout, stderr,
            timedOut: exitCode is null && timeoutSource.IsCancellationRequested && !cancellationToken.IsCancellationRequested,
            canceled: exitCode is null && cancellationToken.IsCancellationRequested,
            watch.Elapsed);
    }
}
