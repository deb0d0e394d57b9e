namespace FuncTasks.Testing;

/// <summary>
/// Records the PIDs of processes the tests start in the folder named by FUNCTASKS_TEST_PID_DIR, so
/// the test command can stop them by PID even when the test host itself dies.
/// </summary>
public static class TestProcessRegistry
{
    private static string? Folder => Environment.GetEnvironmentVariable("FUNCTASKS_TEST_PID_DIR");

    public static void Register(int pid)
    {
        if (Folder is { } folder)
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, $"{pid}.pid"), pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    public static void Unregister(int pid)
    {
        if (Folder is { } folder)
        {
            File.Delete(Path.Combine(folder, $"{pid}.pid"));
        }
    }
}
