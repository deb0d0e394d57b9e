using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace FuncTasks.Tests.Infrastructure;

/// <summary>Finds (and, to clean up after a failed test, kills) processes by a marker in their command line, from /proc.</summary>
internal static class ProcessProbe
{
    /// <summary>A marker that is also a valid <c>sleep</c> duration: <c>&lt;seconds&gt;.&lt;random digits&gt;</c>.</summary>
    public static string SleepMarker(int seconds = 300) =>
        seconds.ToString(CultureInfo.InvariantCulture) + "." + Random.Shared.NextInt64(100_000_000_000, 999_999_999_999).ToString(CultureInfo.InvariantCulture);

    /// <summary>How many live processes carry <paramref name="marker"/> in their command line.</summary>
    public static int Count(string marker) => Find(marker).Count;

    /// <summary>Ids of live processes whose command line contains <paramref name="marker"/> (zombies have none).</summary>
    public static IReadOnlyList<int> Find(string marker)
    {
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var cmdline = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(directory, "cmdline"))).Replace('\0', ' ');
                if (cmdline.Contains(marker, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours.
            }
        }

        return found;
    }

    /// <summary>Waits up to <paramref name="within"/> for every process with the marker to be gone; the ones left.</summary>
    public static async Task<IReadOnlyList<int>> WaitGoneAsync(string marker, TimeSpan within)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var left = Find(marker);
            if (left.Count == 0 || watch.Elapsed > within)
            {
                return left;
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Cleanup: kills whatever a failed test left behind.</summary>
    public static void KillAll(string marker)
    {
        foreach (var pid in Find(marker))
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }
    }

    public static string Describe(IEnumerable<int> pids) => string.Join("; ", pids.Select(pid =>
    {
        try
        {
            return pid.ToString(CultureInfo.InvariantCulture) + ": " + File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return pid.ToString(CultureInfo.InvariantCulture);
        }
    }));
}
