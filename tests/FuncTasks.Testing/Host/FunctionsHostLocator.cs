namespace FuncTasks.Testing.Host;

/// <summary>Where a Functions host comes from: a host folder (run with dotnet) or Core Tools' <c>func</c>.</summary>
public sealed record FunctionsHostLocation(string? HostDll, string? Func)
{
    public string Describe => HostDll ?? $"Core Tools ({Func})";
}

/// <summary>
/// Finds the Functions host the suite runs the app under: the folder named by <c>FUNCTASKS_HOST_DIR</c> (it holds
/// Microsoft.Azure.WebJobs.Script.WebHost.dll, started with dotnet), else <c>func</c> on PATH. scripts/test.sh
/// applies the same rule to decide whether to run the suite at all.
/// </summary>
public static class FunctionsHostLocator
{
    public const string HostDirVariable = "FUNCTASKS_HOST_DIR";
    public const string HostDllName = "Microsoft.Azure.WebJobs.Script.WebHost.dll";

    public static readonly string MissingReason =
        $"no Functions host: put Core Tools' func on PATH or set {HostDirVariable} to a folder holding {HostDllName}";

    private static readonly Lazy<FunctionsHostLocation?> Found = new(Find);

    public static FunctionsHostLocation? Location => Found.Value;

    private static FunctionsHostLocation? Find()
    {
        if (Environment.GetEnvironmentVariable(HostDirVariable) is { Length: > 0 } dir)
        {
            var dll = Path.Combine(dir, HostDllName);
            return File.Exists(dll)
                ? new FunctionsHostLocation(dll, null)
                : throw new InvalidOperationException($"{HostDirVariable}={dir} does not hold {HostDllName}.");
        }

        var func = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(p => Path.Combine(p, "func"))
            .FirstOrDefault(File.Exists);
        return func is null ? null : new FunctionsHostLocation(null, func);
    }
}
