using System.Diagnostics;

namespace FuncTasks.Tests.Infrastructure;

/// <summary>Waits for something the app does asynchronously (a process to die, a gate to drain, a job to end).</summary>
public static class Poll
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(50);

    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        UntilAsync(() => Task.FromResult(condition()), what, timeout);

    public static Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null, TimeSpan? interval = null) =>
        UntilAsync(condition, met => met, _ => $"Timed out waiting for {what}.", timeout, interval);

    /// <summary>Reads until <paramref name="done"/> holds for what was read, and returns it; after <paramref name="timeout"/>
    /// (default 30 s) throws a <see cref="TimeoutException"/> whose message <paramref name="timedOut"/> makes from the last read.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, Func<T, string> timedOut, TimeSpan? timeout = null, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(timedOut);
        var (last, met) = await ReadAsync(read, done, timeout ?? DefaultTimeout, interval);
        return met ? last : throw new TimeoutException(timedOut(last));
    }

    /// <summary>Reads until <paramref name="done"/> holds for what was read or <paramref name="timeout"/> has passed;
    /// the last read, and whether it was done.</summary>
    public static async Task<(T Last, bool Done)> ReadAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(done);
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var last = await read();
            if (done(last))
            {
                return (last, true);
            }

            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                return (last, false);
            }

            await Task.Delay(interval ?? DefaultInterval);
        }
    }
}
