using System.Diagnostics;
using System.Reflection;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text.Json;
using FuncTasks.Testing;

namespace FuncTasks.Benchmarks.Harness;

/// <summary>The machine and software the figures were measured on, printed with every report.</summary>
internal sealed record MachineInfo(
    int ProcessorCount,
    string CpuModel,
    string OperatingSystem,
    string Runtime,
    string GarbageCollector,
    bool IsOptimized,
    string AzuriteVersion,
    string NodeVersion,
    string LoadAverageAtStart,
    DateTimeOffset StartedAt)
{
    public static MachineInfo Collect() => new(
        Environment.ProcessorCount,
        FirstLineValue("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString(),
        OsRelease() is { } pretty ? $"{pretty}, kernel {Kernel()}" : RuntimeInformation.OSDescription,
        $"{RuntimeInformation.FrameworkDescription} ({RuntimeInformation.RuntimeIdentifier})",
        (GCSettings.IsServerGC ? "server" : "workstation") + (GCSettings.LatencyMode == GCLatencyMode.Batch ? ", non-concurrent" : ", concurrent"),
        IsReleaseBuild(typeof(MachineInfo).Assembly) && IsReleaseBuild(typeof(FuncTasks.Tasks.TaskStore).Assembly),
        ReadAzuriteVersion(),
        ReadNodeVersion(),
        LoadAverage(),
        DateTimeOffset.UtcNow);

    /// <summary>The 1, 5 and 15 minute load averages (Linux), to show how busy the shared machine was.</summary>
    public static string LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return string.Join(" ", parts.Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
        catch (UnauthorizedAccessException)
        {
            return "n/a";
        }
    }

    private static bool IsReleaseBuild(Assembly assembly) =>
        assembly.GetCustomAttribute<DebuggableAttribute>() is not { IsJITOptimizerDisabled: true };

    private static string? FirstLineValue(string path, string key)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
        return line?[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }

    private static string Kernel() =>
        File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : Environment.OSVersion.VersionString;

    private static string? OsRelease()
    {
        const string Key = "PRETTY_NAME=";
        return File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith(Key, StringComparison.Ordinal))?[Key.Length..].Trim('"')
            : null;
    }

    private static string ReadAzuriteVersion()
    {
        var path = Path.Combine(RepositoryRoot.Path, "azurite", "node_modules", "azurite", "package.json");
        if (!File.Exists(path))
        {
            return "not installed (npm ci in azurite/)";
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("version").GetString() ?? "unknown";
    }

    private static string ReadNodeVersion()
    {
        try
        {
            using var node = Process.Start(new ProcessStartInfo("node", "--version")
            {
                RedirectStandardOutput = true,
                UseShellExecute = false,
            });
            if (node is null)
            {
                return "unknown";
            }

            var version = node.StandardOutput.ReadToEnd().Trim();
            node.WaitForExit(5_000);
            return version;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "not found";
        }
    }

    public IEnumerable<(string Name, string Value)> Describe()
    {
        yield return ("date (UTC)", StartedAt.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture));
        yield return ("CPU", $"{ProcessorCount} logical cores, {CpuModel}");
        yield return ("OS", OperatingSystem);
        yield return (".NET", Runtime);
        yield return ("GC", GarbageCollector);
        yield return ("build", IsOptimized ? "Release (optimized)" : "DEBUG (not optimized: figures are not representative)");
        yield return ("Azurite", $"{AzuriteVersion} on Node {NodeVersion}, in memory, loopback");
    }
}
