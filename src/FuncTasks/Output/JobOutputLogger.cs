using System.Globalization;
using FuncTasks.Api;
using Microsoft.Extensions.Logging;

namespace FuncTasks.Output;

/// <summary>
/// The <see cref="ILogger"/> a task function gets: it logs as before, and its messages of Information and above also go
/// to the job's log as lines (<c>2026-11-27T12:00:00.123Z info: message</c>).
/// </summary>
internal sealed class JobOutputLogger(ILogger inner, JobOutputWriter output, TimeProvider clock) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && (logLevel >= LogLevel.Information || inner.IsEnabled(logLevel));

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (inner.IsEnabled(logLevel))
        {
            inner.Log(logLevel, eventId, state, exception, formatter);
        }

        if (logLevel is >= LogLevel.Information and < LogLevel.None)
        {
            var message = formatter(state, exception);
            var line = $"{Stamp(clock)} {Name(logLevel)}: {message}";
            output.WriteLine(exception is null ? line : $"{line}\n{exception}");
        }
    }

    /// <summary>The time at the start of each line the app writes into a log.</summary>
    public static string Stamp(TimeProvider clock) =>
        Timestamps.Now(clock).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Name(LogLevel level) => level switch
    {
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "error",
        _ => "crit",
    };
}
