using System.Reflection;
using System.Text.Json.Serialization;

namespace FuncTasks.TaskFunctions;

/// <summary>A task argument: bound by name from the effective params and converted to <see cref="ClrType"/>.</summary>
public sealed record TaskArgument(
    string Name,
    [property: JsonIgnore] Type ClrType,
    [property: JsonIgnore] string ParameterName,
    bool Required,
    [property: JsonIgnore] object? DefaultValue)
{
    /// <summary>The JSON kind the argument takes (string, integer, number, boolean, object, array, any).</summary>
    public string Type => TypeNames.Json(ClrType);

    /// <summary>Whether null is an acceptable value (a nullable type or annotation).</summary>
    [JsonIgnore]
    public bool AcceptsNull { get; init; }
}

/// <summary>A registered task function: its callable, its arguments and what it has injected.</summary>
public sealed class TaskFunctionDescriptor
{
    internal TaskFunctionDescriptor(string name, string? description, MethodInfo method, object? target,
        IReadOnlyList<ParameterPlan> parameters)
    {
        Name = name;
        Description = description;
        Method = method;
        Target = target;
        Parameters = parameters;
    }

    public string Name { get; }
    public string? Description { get; }
    internal MethodInfo Method { get; }

    /// <summary>The delegate's target for lambdas; null for static methods and for instance methods created per call.</summary>
    internal object? Target { get; }

    internal IReadOnlyList<ParameterPlan> Parameters { get; }

    public IEnumerable<TaskArgument> Arguments => Parameters.Where(p => p.Argument is not null).Select(p => p.Argument!);

    public IEnumerable<Type> InjectedTypes => Parameters.Where(p => p.Argument is null).Select(p => p.ClrType);

    /// <summary>Where the method is declared, for messages: <c>Namespace.Type.Method</c>.</summary>
    public string Origin => $"{Method.DeclaringType?.FullName}.{Method.Name}";
}

/// <summary>How one parameter of the method gets its value: an argument from params, or an injected service.</summary>
internal sealed record ParameterPlan(Type ClrType, TaskArgument? Argument);
