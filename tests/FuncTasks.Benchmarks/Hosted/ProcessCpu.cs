using System.Globalization;

namespace FuncTasks.Benchmarks.Hosted;

/// <summary>
/// CPU time of processes from <c>/proc</c> (Linux): a Functions host with its worker (a child process of the host), or
/// Azurite. For what an app costs the machine while it works or idles, beside the wall-clock figures.
/// </summary>
internal static class ProcessCpu
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    /// <summary>CPU seconds (user + system) used so far by <paramref name="root"/> and every process below it.</summary>
    public static double TreeSeconds(int root) => Tree(root).Sum(Seconds);

    /// <summary>CPU seconds (user + system) used so far by one process; 0 when it cannot be read.</summary>
    public static double Seconds(int pid)
    {
        try
        {
            var fields = Stat(pid);
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }

    private static List<int> Tree(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid))
            {
                try
                {
                    parents[pid] = int.Parse(Stat(pid)[1], CultureInfo.InvariantCulture);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
                {
                    // Gone meanwhile.
                }
            }
        }

        var tree = new List<int> { root };
        for (var i = 0; i < tree.Count; i++)
        {
            tree.AddRange(parents.Where(p => p.Value == tree[i]).Select(p => p.Key));
        }

        return tree;
    }

    /// <summary>The fields of /proc/PID/stat after the command name: [0] state, [1] ppid, ..., [11] utime, [12] stime.</summary>
    private static string[] Stat(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }
}
