using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FuncTasks.TaskFunctions;

/// <summary>Where task functions come from: an assembly to scan for [TaskFunction], or one delegate.</summary>
public sealed record TaskFunctionSource(Assembly? Assembly, string? Name, Delegate? Function, string? Description);

/// <summary>
/// The task functions of this app, by name, built once at start. A duplicate name or a return type that
/// cannot be a JSON object or null stops the app with a message naming the method.
/// </summary>
public sealed class TaskFunctionRegistry
{
    private readonly Dictionary<string, TaskFunctionDescriptor> functions = new(StringComparer.Ordinal);

    public TaskFunctionRegistry(IEnumerable<TaskFunctionSource> sources, IServiceProviderIsService services)
    {
        foreach (var source in sources)
        {
            if (source.Assembly is { } assembly)
            {
                foreach (var method in assembly.GetTypes().SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)))
                {
                    if (method.GetCustomAttribute<TaskFunctionAttribute>() is { } attribute)
                    {
                        Add(Describe(attribute.Name, attribute.Description, method, target: null, services));
                    }
                }
            }
            else if (source is { Name: { } name, Function: { } function })
            {
                Add(Describe(name, source.Description, function.Method, function.Target, services));
            }
        }
    }

    public IReadOnlyCollection<TaskFunctionDescriptor> All => functions.Values.OrderBy(f => f.Name, StringComparer.Ordinal).ToList();

    public bool Contains(string name) => functions.ContainsKey(name);

    public TaskFunctionDescriptor? Find(string name) => functions.GetValueOrDefault(name);

    private void Add(TaskFunctionDescriptor descriptor)
    {
        if (functions.TryGetValue(descriptor.Name, out var existing))
        {
            throw new InvalidOperationException(
                $"Task function name '{descriptor.Name}' is registered twice: by {existing.Origin} and by {descriptor.Origin}. Names must be unique.");
        }

        functions.Add(descriptor.Name, descriptor);
    }

    private static TaskFunctionDescriptor Describe(string name, string? description, MethodInfo method, object? target, IServiceProviderIsService services)
    {
        var origin = $"{method.DeclaringType?.FullName}.{method.Name}";
        if (string.IsNullOrWhiteSpace(name) || name.Length > 200 || name.Any(char.IsWhiteSpace))
        {
            throw new InvalidOperationException($"Task function {origin} has an invalid name '{name}': 1 to 200 characters, no whitespace.");
        }

        if (!IsAllowedReturnType(method.ReturnType))
        {
            throw new InvalidOperationException(
                $"Task function '{name}' ({origin}) returns {method.ReturnType}, which cannot serialize to a JSON object. " +
                "Return an object (a class, record, dictionary or anonymous type), or nothing (void, Task, ValueTask).");
        }

        if (method.ContainsGenericParameters)
        {
            throw new InvalidOperationException($"Task function '{name}' ({origin}) is generic; task functions must be closed methods.");
        }

        var nullability = new NullabilityInfoContext();
        var parameters = method.GetParameters().Select(p => Plan(p, services, nullability, name, origin)).ToList();
        return new TaskFunctionDescriptor(name, description, method, target, parameters);
    }

    private static ParameterPlan Plan(ParameterInfo parameter, IServiceProviderIsService services, NullabilityInfoContext nullability, string name, string origin)
    {
        var type = parameter.ParameterType;
        if (type.IsByRef || parameter.IsOut)
        {
            throw new InvalidOperationException($"Task function '{name}' ({origin}) has a ref/out parameter '{parameter.Name}', which cannot be bound.");
        }

        if (IsInjectable(parameter, services))
        {
            return new ParameterPlan(type, null);
        }

        var nullable = TypeNames.Json(type) == "any" || Nullable.GetUnderlyingType(type) is not null
            || (!type.IsValueType && nullability.Create(parameter).WriteState != NullabilityState.NotNull);
        var argument = new TaskArgument(
            JsonNamingPolicy.SnakeCaseLower.ConvertName(parameter.Name!),
            type,
            parameter.Name!,
            Required: !parameter.HasDefaultValue,
            DefaultValue: parameter.HasDefaultValue ? parameter.DefaultValue : null)
        {
            AcceptsNull = nullable,
        };
        return new ParameterPlan(type, argument);
    }

    /// <summary>
    /// Injected: what the job hands over (<see cref="Execution.JobServices.Types"/>) and any
    /// registered service. A parameter with a default value, or of a plain data type, is always an argument.
    /// </summary>
    private static bool IsInjectable(ParameterInfo parameter, IServiceProviderIsService services)
    {
        var type = parameter.ParameterType;
        if (Execution.JobServices.Types.Contains(type))
        {
            return true;
        }

        if (parameter.HasDefaultValue || TypeNames.IsPlainData(type))
        {
            return false;
        }

        return services.IsService(type);
    }

    private static bool IsAllowedReturnType(Type type)
    {
        if (type == typeof(void) || type == typeof(Task) || type == typeof(ValueTask))
        {
            return true;
        }

        if (type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(Task<>) || type.GetGenericTypeDefinition() == typeof(ValueTask<>)))
        {
            type = type.GetGenericArguments()[0];
        }

        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(object) || type == typeof(JsonElement) || type == typeof(JsonNode) || type == typeof(JsonObject) || TypeNames.IsDictionary(type))
        {
            return true; // checked when the function returns
        }

        return !TypeNames.IsPlainData(type) && !typeof(System.Collections.IEnumerable).IsAssignableFrom(type)
            && type != typeof(Task) && type != typeof(ValueTask) && !type.IsPointer;
    }
}
