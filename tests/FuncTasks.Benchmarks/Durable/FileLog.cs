using System.Globalization;
using Microsoft.Extensions.Logging;

namespace FuncTasks.Benchmarks.Durable;

/// <summary>
/// <c>--durable-log FILE</c>: the durable engine's own logs (DurableTask.Core, DurableTask.AzureStorage) as lines of
/// text, for finding out what the engine did during a run. Off by default: logging costs time in the measured path.
/// </summary>
internal sealed class FileLog : ILoggerProvider
{
    private readonly StreamWriter writer;
    private readonly Lock sync = new();
    private readonly LogLevel minimum;

    private FileLog(string path, LogLevel minimum)
    {
        writer = new StreamWriter(path, append: false) { AutoFlush = true };
        this.minimum = minimum;
    }

    /// <summary>A logger factory writing to <paramref name="path"/>, or null (no logging) when there is no path.</summary>
    public static ILoggerFactory? Open(string? path, LogLevel minimum = LogLevel.Information)
    {
        if (path is null)
        {
            return null;
        }

        var provider = new FileLog(path, minimum);
        var factory = LoggerFactory.Create(b => b.SetMinimumLevel(minimum).AddProvider(provider));
        Harness.BenchmarkContext.Progress($"writing the durable engine's logs to {Path.GetFullPath(path)}");
        return factory;
    }

    public ILogger CreateLogger(string categoryName) => new Writer(this, categoryName);

    public void Dispose()
    {
        lock (sync)
        {
            writer.Dispose();
        }
    }

    private void Write(string category, LogLevel level, EventId id, string message, Exception? exception)
    {
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{DateTime.UtcNow:HH:mm:ss.ffffff} {level.ToString()[..4]} {category} [{id.Id} {id.Name}] {message}{(exception is null ? string.Empty : " | " + exception.GetType().Name + ": " + exception.Message)}");
        lock (sync)
        {
            writer.WriteLine(line);
        }
    }

    private sealed class Writer(FileLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= log.minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                log.Write(category, logLevel, eventId, formatter(state, exception), exception);
            }
        }
    }
}
