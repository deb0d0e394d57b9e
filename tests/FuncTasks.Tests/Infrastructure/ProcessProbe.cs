using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace FuncTasks.Tests.Infrastructure;

/// <summary>
/// The processes of one test, found by a marker in their command line (from /proc). Disposing the probe kills
/// whatever still carries the marker, so a failed test leaves nothing running: <c>using var probe = ProcessProbe.Sleep();</c>.
/// </summary>
internal sealed class ProcessProbe : IDisposable
{
    private ProcessProbe(string marker) => Marker = marker;

    /// <summary>A marker that is also a valid <c>sleep</c> duration: <c>&lt;seconds&gt;.&lt;random digits&gt;</c>.</summary>
    public string Marker { get; }

    /// <summary>How many live processes carry the marker in their command line.</summary>
    public int Count => Find(Marker).Count;

    /// <summary>A probe for a <c>sleep {Marker}</c> of about <paramref name="seconds"/>.</summary>
    public static ProcessProbe Sleep(int seconds = 300) =>
        new(seconds.ToString(CultureInfo.InvariantCulture) + "." + Random.Shared.NextInt64(100_000_000_000, 999_999_999_999).ToString(CultureInfo.InvariantCulture));

    /// <summary>Waits up to <paramref name="within"/> for every process with the marker to be gone; the ones left.</summary>
    public async Task<IReadOnlyList<int>> WaitGoneAsync(TimeSpan within) =>
        (await Poll.ReadAsync(() => Task.FromResult(Find(Marker)), left => left.Count == 0, within)).Last;

    /// <summary>Kills whatever a failed test left behind.</summary>
    public void Dispose()
    {
        foreach (var pid in Find(Marker))
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

    public override string ToString() => Marker;

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

    /// <summary>Ids of live processes whose command line contains <paramref name="marker"/> (zombies have none).</summary>
    private static List<int> Find(string marker)
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
}
