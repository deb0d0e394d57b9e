using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using FuncTasks.Hosting;
using FuncTasks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FuncTasks.Tests.Hosting;

/// <summary>The FuncTasks meter reports what a job did, once per job, from this app only.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task CompletedAndFailedJobs_AreCountedOnce_WithDurationAndGateWait()
    {
        await using var app = await AppHost.StartAsync(withDurable: true);
        var factory = app.Services.GetRequiredService<IMeterFactory>();
        var measurements = new ConcurrentQueue<(string Name, double Value, string? Status)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == FuncTasksMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => measurements.Enqueue((instrument.Name, value, Status(tags))));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => measurements.Enqueue((instrument.Name, value, Status(tags))));
        listener.Start();

        var ok = await JobWaits.ExecuteAsync(app, """{"command": "greet_user"}""");
        var bad = await JobWaits.ExecuteAsync(app, """{"command": "exit 3"}""");
        await JobWaits.UntilAsync(app, ok);
        await JobWaits.UntilAsync(app, bad);

        var all = measurements.ToList();
        Assert.Equal(2, all.Where(m => m.Name == "functasks.jobs.started").Sum(m => m.Value));
        Assert.Equal(1, all.Where(m => m.Name == "functasks.jobs.ended" && m.Status == "completed").Sum(m => m.Value));
        Assert.Equal(1, all.Where(m => m.Name == "functasks.jobs.ended" && m.Status == "failed").Sum(m => m.Value));
        Assert.Equal(2, all.Count(m => m.Name == "functasks.job.duration"));
        Assert.Equal(2, all.Count(m => m.Name == "functasks.gate.wait"));
        Assert.All(all.Where(m => m.Name is "functasks.job.duration" or "functasks.gate.wait"), m => Assert.InRange(m.Value, 0, 60));
        Assert.Equal(0, all.Where(m => m.Name == "functasks.gate.permits_in_use").Sum(m => m.Value));
        Assert.Equal(2, all.Count(m => m.Name == "functasks.gate.permits_in_use" && m.Value > 0));
    }

    private static string? Status(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "status")
            {
                return tag.Value as string;
            }
        }

        return null;
    }
}
