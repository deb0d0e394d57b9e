using System.Diagnostics;
using System.Runtime.InteropServices;
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
/// kills the whole process tree on timeout or cancel. On Unix the command runs in a session (and process
/// group) of its own, started through <c>setsid</c>, and the whole group is killed: that also reaches
/// background children the shell left behind, which a kill by parent id (CliWrap's) cannot find.
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
        var ownGroup = ProcessGroup.Setsid is not null;
        try
        {
            var task = Cli.Wrap(ownGroup ? ProcessGroup.Setsid! : executable)
                .WithArguments(ownGroup ? [executable, .. arguments] : arguments)
                .WithEnvironmentVariables(environment.ToDictionary(e => e.Key, e => (string?)e.Value))
                .WithStandardOutputPipe(PipeTarget.ToStream(stdout))
                .WithStandardErrorPipe(PipeTarget.ToStream(stderr))
                .WithValidation(CommandResultValidation.None)
                .ExecuteAsync(linked.Token);
            var processId = task.ProcessId;
            await using (ownGroup ? linked.Token.Register(() => ProcessGroup.Kill(processId)) : default(CancellationTokenRegistration))
            {
                var result = await task.ConfigureAwait(false);
                exitCode = result.ExitCode;
            }
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            // CliWrap killed the process tree (and we its process group); report which limit ended it.
        }

        return new ShellResult(exitCode, stdout, stderr,
            timedOut: exitCode is null && timeoutSource.IsCancellationRequested && !cancellationToken.IsCancellationRequested,
            canceled: exitCode is null && cancellationToken.IsCancellationRequested,
            watch.Elapsed);
    }
}

/// <summary>Unix process groups: start a command as the leader of its own, kill the whole group.</summary>
internal static class ProcessGroup
{
    private const int SigKill = 9;

    /// <summary>util-linux <c>setsid</c>: runs the command in a new session whose id (and process group id) is its pid; null where absent (Windows, macOS).</summary>
    public static string? Setsid { get; } = OperatingSystem.IsWindows()
        ? null
        : new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    /// <summary>
    /// Sends SIGKILL to the process group whose id is <paramref name="processId"/>: the command's, even after
    /// the shell itself has exited while children it left in the background live on. When there is no such
    /// group (setsid had to fork, or everything has ended) nothing happens: the app's own group has another id.
    /// </summary>
    public static void Kill(int processId)
    {
        if (processId <= 1)
        {
            return;
        }

        try
        {
            _ = NativeMethods.kill(-processId, SigKill);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // No libc kill here: CliWrap's kill of the process tree is all there is. (This runs in a
            // cancellation callback, on the timeout's timer thread: it must not throw.)
        }
    }

    private static class NativeMethods
    {
#pragma warning disable SYSLIB1054 // LibraryImport needs AllowUnsafeBlocks; this signature is blittable
        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int kill(int pid, int sig);
#pragma warning restore SYSLIB1054
    }
}
