using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace FuncTasks.Benchmarks.Durable;

/// <summary>
/// Watches, from a thread of its own (not the thread pool), for stalls while a durable benchmark runs: how late a work
/// item queued to the .NET thread pool starts (starvation of this process), and how long Azurite takes to answer a
/// bare HTTP request over a fresh connection (a stalled or saturated Azurite). Sampled every 500 ms.
/// </summary>
internal sealed class Watchdog : IDisposable
{
    private static readonly byte[] Request = Encoding.ASCII.GetBytes("GET /devstoreaccount1?comp=list HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    private readonly Thread thread;
    private readonly int port;
    private readonly List<(double PoolLag, double Azurite, double AzuriteCpu, long AzuriteRssMb)> samples = [];
    private readonly int? azuritePid;
    private readonly Lock sync = new();
    private volatile bool stop;

    public Watchdog(int azuritePort)
    {
        port = azuritePort;
        azuritePid = FindAzurite(azuritePort);
        thread = new Thread(Run) { IsBackground = true, Name = "benchmark watchdog" };
        thread.Start();
    }

    /// <summary>
    /// The samples so far: thread-pool start lag and Azurite answer time (ms), Azurite's CPU (% of one core, over each
    /// sample) and resident memory (MB) at its peak.
    /// </summary>
    public (double PoolLagMax, double AzuriteMax, int Stalls, double AzuriteCpuMean, double AzuriteCpuAtWorst, long AzuriteRssMaxMb) Summary()
    {
        lock (sync)
        {
            if (samples.Count == 0)
            {
                return (double.NaN, double.NaN, 0, double.NaN, double.NaN, 0);
            }

            var worst = samples.MaxBy(s => s.Azurite);
            return (samples.Max(s => s.PoolLag), worst.Azurite, samples.Count(s => s.PoolLag > 1000 || s.Azurite > 1000),
                samples.Average(s => s.AzuriteCpu), worst.AzuriteCpu, samples.Max(s => s.AzuriteRssMb));
        }
    }

    /// <summary>Time Azurite did not answer: the sum of the answer times of the samples that took over a second.</summary>
    public TimeSpan AzuriteStalled
    {
        get
        {
            lock (sync)
            {
                return TimeSpan.FromMilliseconds(samples.Where(s => s.Azurite > 1000).Sum(s => s.Azurite));
            }
        }
    }

    /// <summary>One line for the report.</summary>
    public string Describe()
    {
        var (lag, azurite, stalls, cpu, cpuAtWorst, rss) = Summary();
        return $"thread-pool lag max {lag:0} ms; Azurite answer max {azurite:0} ms, unresponsive {AzuriteStalled.TotalSeconds:0.0} s in all; " +
               $"Azurite CPU {cpu:0}% of a core on average, {cpuAtWorst:0}% in the slowest sample; its RSS up to {rss} MB";
    }

    public void Reset()
    {
        lock (sync)
        {
            samples.Clear();
        }
    }

    public void Dispose()
    {
        stop = true;
        thread.Join(TimeSpan.FromSeconds(35));
    }

    private void Run()
    {
        var (cpuBefore, at) = (AzuriteCpuTicks(), Stopwatch.GetTimestamp());
        while (!stop)
        {
            var queued = Stopwatch.GetTimestamp();
            using var started = new ManualResetEventSlim();
            double lag = 0;
            ThreadPool.UnsafeQueueUserWorkItem(_ =>
            {
                lag = Stopwatch.GetElapsedTime(queued).TotalMilliseconds;
                started.Set();
            }, null);
            var azurite = PingAzurite();
            started.Wait(TimeSpan.FromSeconds(30));
            if (!started.IsSet)
            {
                lag = Stopwatch.GetElapsedTime(queued).TotalMilliseconds;
            }

            var (cpuNow, now) = (AzuriteCpuTicks(), Stopwatch.GetTimestamp());
            var cpu = cpuNow is { } n && cpuBefore is { } b ? (n - b) / Stopwatch.GetElapsedTime(at, now).TotalSeconds : double.NaN; // 100 ticks a second = 100%
            (cpuBefore, at) = (cpuNow, now);
            lock (sync)
            {
                samples.Add((lag, azurite, cpu, AzuriteRssMb()));
            }

            Thread.Sleep(500);
        }
    }

    /// <summary>The node process serving Azurite on this port (its command line names the port).</summary>
    internal static int? FindAzurite(int port)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains("azurite", StringComparison.Ordinal) && cmdline.Contains($" {port} ", StringComparison.Ordinal) && cmdline.StartsWith("node", StringComparison.Ordinal))
                {
                    return pid;
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return null;
    }

    /// <summary>utime + stime of the Azurite process, in clock ticks (1/100 s).</summary>
    private long? AzuriteCpuTicks()
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{azuritePid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private long AzuriteRssMb()
    {
        try
        {
            var line = File.ReadLines($"/proc/{azuritePid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return 0;
        }
    }

    private double PingAzurite()
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 30_000, SendTimeout = 30_000 };
            socket.Connect("127.0.0.1", port);
            socket.Send(Request);
            var buffer = new byte[512];
            _ = socket.Receive(buffer); // the status line is enough: Azurite has answered
        }
        catch (SocketException)
        {
            return 30_000;
        }

        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }
}
