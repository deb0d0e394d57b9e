namespace FuncTasks.Testing;

/// <summary>Finds the repository root (the folder holding FuncTasks.sln) from the test's output folder.</summary>
public static class RepositoryRoot
{
    private static readonly Lazy<string> Root = new(Find);

    public static string Path => Root.Value;

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "FuncTasks.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("FuncTasks.sln not found above " + AppContext.BaseDirectory);
    }
}
