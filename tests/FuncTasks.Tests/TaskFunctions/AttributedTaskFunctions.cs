using FuncTasks.TaskFunctions;

namespace FuncTasks.Tests.TaskFunctions;

/// <summary>
/// [TaskFunction] methods in the test assembly, for discovery by assembly scan. Names carry a prefix no
/// other test uses; keep every method here registrable (a scan of this assembly registers all of them).
/// </summary>
public static class AttributedTaskFunctions
{
    [TaskFunction("tfr_static", Description = "A static method.")]
    public static object Static(int value) => new { value };

    [TaskFunction("tfr_private")]
    private static object Private() => new { hidden = true };

    /// <summary>Not attributed: never registered.</summary>
    public static object NotAFunction() => new { };

    /// <summary>Keeps the analyzers from calling Private unused.</summary>
    internal static object CallPrivate() => Private();
}

/// <summary>An instance method: the invoker creates the class per call, its constructor injected from the container.</summary>
public sealed class AttributedInstanceTaskFunctions(GreetingService greeter)
{
    [TaskFunction("tfr_instance", Description = "An instance method with a constructor dependency.")]
    public object Greet(string name) => new { message = greeter.Greet(name) };
}
