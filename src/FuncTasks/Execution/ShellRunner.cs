using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
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

/// <summary>Where a run's output also goes as it is read, besides its capture (a job's live log).</summary>
public interface ILiveOutput
{
    Stream Stdout { get; }
    Stream Stderr { get; }
}

/// <summary>
/// Runs a shell command through the platform shell (<c>/bin/sh -c</c>, or <c>cmd.exe /c</c> on
/// Windows) so pipes and quotes work; captures stdout and stderr as they stream, in bounded memory, and hands them,
/// as read, to a live output when given one. Nothing outlives the run: when it ends, however it ends, it kills the
/// whole process tree and (on Linux) every process that carries the run's marker variable, which also reaches
/// background children the shell left behind (they no longer descend from it, so a kill by parent id, CliWrap's,
/// cannot find them). (A <c>setsid</c> wrapper did the same through process groups but cost about 0.8 ms on every command.)
/// </summary>
public sealed class ShellRunner(IOptions<ExecutionOptions> options, TimeProvider clock)
{
    public Task<ShellResult> RunAsync(string command, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, CancellationToken cancellationToken) =>
        RunAsync(command, environment, timeout, null, cancellationToken);

    public async Task<ShellResult> RunAsync(string command, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, ILiveOutput? live,
        CancellationToken cancellationToken)
    {
        var (shell, arguments) = OperatingSystem.IsWindows()
            ? ("cmd.exe", new[] { "/d", "/s", "/c", command })
            : ("/bin/sh", new[] { "-c", command });
        return await RunAsync(shell, arguments, environment, timeout, live, cancellationToken);
    }

    /// <summary>Runs an executable with arguments, without a shell.</summary>
    public Task<ShellResult> RunAsync(string executable, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment,
        TimeSpan timeout, CancellationToken cancellationToken) =>
        RunAsync(executable, arguments, environment, timeout, null, cancellationToken);

    /// <summary>Runs an executable with arguments, without a shell; its output also goes to <paramref name="live"/>.</summary>
    public async Task<ShellResult> RunAsync(string executable, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment,
        TimeSpan timeout, ILiveOutput? live, CancellationToken cancellationToken)
    {
        var stdout = new OutputCaptureStream(options.Value.InlineOutputBytes);
        var stderr = new OutputCaptureStream(options.Value.InlineOutputBytes);
        using var timeoutSource = new CancellationTokenSource(timeout, clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        var watch = Stopwatch.StartNew();
        int? exitCode = null;
        // Every process of this run carries the marker in its environment, so a kill can find the ones
        // the shell left in the background too (they no longer descend from it).
        var runId = Guid.NewGuid().ToString("N");
        var variables = environment.ToDictionary(e => e.Key, e => (string?)e.Value);
        variables[MarkedProcesses.Variable] = runId;
        var firstPid = 0;
        try
        {
            await using (linked.Token.Register(() => MarkedProcesses.Kill(runId, firstPid)))
            {
                var running = Cli.Wrap(executable)
                    .WithArguments(arguments)
                    .WithEnvironmentVariables(variables)
                    .WithStandardOutputPipe(Target(stdout, live?.Stdout))
                    .WithStandardErrorPipe(Target(stderr, live?.Stderr))
                    .WithValidation(CommandResultValidation.None)
                    .ExecuteAsync(linked.Token);
                firstPid = running.ProcessId;
                // A background child can keep the output pipes open after the command has exited, and the run would wait
                // for it: when the command's own process exits, what it left behind goes, so its output ends too.
                Task<CommandResult> result = running;
                if (await Task.WhenAny(result, ExitOfAsync(firstPid, linked.Token)) != result)
                {
                    MarkedProcesses.Kill(runId, firstPid);
                }

                exitCode = (await result).ExitCode;
            }
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            // CliWrap killed the process tree, and we every process marked with this run; report which limit ended it.
        }
        finally
        {
            // What the command left running in the background ends with it.
            MarkedProcesses.Kill(runId, firstPid);
        }

        return new ShellResult(exitCode, stdout, stderr,
            timedOut: exitCode is null && timeoutSource.IsCancellationRequested && !cancellationToken.IsCancellationRequested,
            canceled: exitCode is null && cancellationToken.IsCancellationRequested,
            watch.Elapsed);
    }

    /// <summary>Completes when the process exits (or is gone already); never faults.</summary>
    private static async Task ExitOfAsync(int pid, CancellationToken cancellationToken)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            // Exited and reaped already, or the run is being stopped another way.
        }
    }

    /// <summary>The capture, and the live output too when there is one: each chunk goes to both as it is read.</summary>
    private static PipeTarget Target(OutputCaptureStream capture, Stream? live) => live is null
        ? PipeTarget.ToStream(capture)
        : PipeTarget.Create(async (source, cancellationToken) =>
        {
            var buffer = ArrayPool<byte>.Shared.Rent(81920);
            try
            {
                int read;
                while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    capture.Write(buffer, 0, read);
                    live.Write(buffer, 0, read);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        });
}

/// <summary>Finds and kills the processes of one run by the marker variable in their environment (Linux /proc).</summary>
internal static class MarkedProcesses
{
    public const string Variable = "FUNCTASKS_RUN_ID";

    /// <summary>
    /// SIGKILLs every process whose environment holds this run's marker; a few passes catch processes
    /// forked meanwhile. Without /proc (Windows, macOS) CliWrap's kill of the process tree is all there is.
    /// Runs in a cancellation callback (on the timeout's timer thread) and after every run: it must not throw.
    /// </summary>
    /// <param name="runId">The run's marker.</param>
    /// <param name="firstPid">The run's first process (0: not known): the kernel hands out ids in rising order, so when
    /// it has not wrapped around since, only processes from this id to the last one handed out can be the run's, and only
    /// those are read (a handful, rather than every process on the machine).</param>
    public static void Kill(string runId, int firstPid = 0)
    {
        if (!Directory.Exists("/proc"))
        {
            return;
        }

        var marker = Encoding.UTF8.GetBytes($"{Variable}={runId}\0");
        for (var pass = 0; pass < 3 && KillPass(marker, firstPid) > 0; pass++)
        {
            Thread.Sleep(20);
        }
    }

    private static int KillPass(byte[] marker, int firstPid)
    {
        var killed = 0;
        var (low, high) = Candidates(firstPid);
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId
                || pid < low || pid > high)
            {
                continue;
            }

            try
            {
                if (File.ReadAllBytes(Path.Combine(directory, "environ")).AsSpan().IndexOf(marker) >= 0)
                {
                    using var process = Process.GetProcessById(pid);
                    process.Kill();
                    killed++;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException
                or System.ComponentModel.Win32Exception)
            {
                // Gone meanwhile, or not ours to read.
            }
        }

        return killed;
    }

    /// <summary>The range of process ids the run's processes can have: the last field of /proc/loadavg is the last id handed out.</summary>
    private static (int Low, int High) Candidates(int firstPid)
    {
        try
        {
            var last = File.ReadAllText("/proc/loadavg").AsSpan().Trim();
            if (firstPid > 0 && int.TryParse(last[(last.LastIndexOf(' ') + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var lastPid)
                && lastPid >= firstPid)
            {
                return (firstPid, lastPid);
            }
        }
        catch (IOException)
        {
            // Read every process instead.
        }

        return (0, int.MaxValue);
    }
}
