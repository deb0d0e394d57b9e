using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Azure.Storage.Blobs;
using FuncTasks.E2E.Infrastructure;
using FuncTasks.Testing.Host;

namespace FuncTasks.E2E.Scenarios;

/// <summary>A job's live output under the real host: <c>$logs?follow=true</c> arrives line by line, not buffered to the end.</summary>
[Collection(SharedAppCollection.Name)]
public sealed class LiveOutputTests(SharedApp shared)
{
    private FuncTasksApi Api => shared.Api;

    [E2EFact]
    public async Task Follow_UnderTheHost_ArrivesLineByLineAsTheCommandPrints()
    {
        var jobId = await Api.RunAsync(new { command = "for i in $(seq 1 25); do echo \"line $i\"; sleep 0.2; done" });
        var clock = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"api/v1/jobs/{jobId}/$logs?follow=true", UriKind.Relative));
        using var response = await Api.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        await using var body = await response.Content.ReadAsStreamAsync();
        var text = new StringBuilder();
        var arrivals = new List<(TimeSpan At, int Lines)>();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        int read;
        while ((read = await body.ReadAsync(buffer, timeout.Token)) > 0)
        {
            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
            arrivals.Add((clock.Elapsed, text.ToString().Count(c => c == '\n')));
        }

        Assert.Equal(string.Concat(Enumerable.Range(1, 25).Select(i => $"line {i}\n")), text.ToString());
        var job = await Api.GetJobAsync(jobId);
        Assert.Equal("completed", job.Str("status"));
        // The command prints for 5 s: the pieces came over that time (at least every second), not all at the end.
        var described = string.Join(", ", arrivals.Select(a => $"{a.At.TotalSeconds:0.00}s:{a.Lines}"));
        Assert.True(arrivals.Count >= 5, $"chunks (time: lines so far): {described}");
        Assert.True(arrivals[^1].At - arrivals.First(a => a.Lines > 0).At > TimeSpan.FromSeconds(3), $"chunks (time: lines so far): {described}");
        Assert.True(arrivals.First(a => a.Lines > 0).Lines < 15, $"the first chunk already had most lines: {described}");
    }

    [E2EFact]
    public async Task WorkerKilledMidJob_TheLogHasEverythingUpToAboutASecondBefore()
    {
        await using var app = await HostedApp.StartAsync("logkill");
        using var api = new FuncTasksApi(app.Hosts[0]);
        // The shell's parent is the worker; each line says when it was printed (ms since the epoch).
        var jobId = await api.RunAsync(new { command = "echo \"worker $PPID\"; for i in $(seq 1 100); do echo \"line $i $(date +%s%3N)\"; sleep 0.1; done" });
        var container = new BlobServiceClient(app.StorageConnectionString).GetBlobContainerClient(app.Settings["FuncTasks__Storage__TablePrefix"] + "-logs");
        var log = container.GetBlobClient($"{jobId}/combined");

        string text = string.Empty;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60) && Lines(text).Count < 20)
        {
            await Task.Delay(200);
            if (await log.ExistsAsync())
            {
                text = (await log.DownloadContentAsync()).Value.Content.ToString();
            }
        }

        var worker = int.Parse(text.Split('\n')[0].Split(' ')[1], CultureInfo.InvariantCulture);
        await Task.Delay(1000);
        var killedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using (var process = Process.GetProcessById(worker))
        {
            process.Kill();
        }

        await Task.Delay(1500); // an append in flight when the worker died lands or not; nothing more comes from it
        text = (await log.DownloadContentAsync()).Value.Content.ToString();

        var lines = Lines(text);
        var last = lines[^1];
        Assert.True(killedAt - last.PrintedAt <= 1500,
            $"the log's last line (of the run the kill stopped) was printed {killedAt - last.PrintedAt} ms before the kill: line {last.Number}");
        Assert.Equal(Enumerable.Range(1, lines.Count), lines.Select(l => l.Number));
    }

    /// <summary>The numbered lines of the first run in the log (a redelivered activity may start the job again after them).</summary>
    private static List<(int Number, long PrintedAt)> Lines(string text)
    {
        var lines = new List<(int, long)>();
        foreach (var line in text.Split('\n').Where(l => l.StartsWith("line ", StringComparison.Ordinal)))
        {
            var parts = line.Split(' ');
            if (parts.Length != 3 || !long.TryParse(parts[2], CultureInfo.InvariantCulture, out var at))
            {
                continue; // the last line may be cut off
            }

            var number = int.Parse(parts[1], CultureInfo.InvariantCulture);
            if (lines.Count > 0 && number <= lines[^1].Item1)
            {
                break;
            }

            lines.Add((number, at));
        }

        return lines;
    }
}
