using System.Text.Json;
using FuncTasks.Artifacts;
using FuncTasks.Execution;
using FuncTasks.Hosting;
using FuncTasks.Jobs;
using FuncTasks.Storage;
using FuncTasks.TaskFunctions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FuncTasks.Tests.TaskFunctions;

/// <summary>TaskFunctionRegistry with real reflection: discovery, names, return types, and which parameters are injected.</summary>
public sealed class TaskFunctionRegistryTests
{
    private static readonly string[] SampleNames = ["add", "greet_user", "long_task", "process_data", "safe_task", "store_result"];

    /// <summary>The registry exactly as the app builds it: its real service graph, configuration in memory (nothing connects).</summary>
    private static (ServiceProvider Provider, TaskFunctionRegistry Registry) AppRegistry(Action<IServiceCollection>? configure = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" })
            .Build();
        var services = new ServiceCollection().AddLogging();
        services.AddFuncTasksServices(configuration);
        configure?.Invoke(services);
        var provider = services.BuildServiceProvider();
        return (provider, provider.GetRequiredService<TaskFunctionRegistry>());
    }

    [Fact]
    public void Constructor_AppAssembly_FindsTheShippedSamples()
    {
        var (provider, registry) = AppRegistry();
        using (provider)
        {
            Assert.All(SampleNames, name => Assert.True(registry.Contains(name), $"missing sample {name}"));
            Assert.Equal(registry.All.Select(f => f.Name).Order(StringComparer.Ordinal), registry.All.Select(f => f.Name));
            Assert.Equal("Simple task that returns a greeting.", registry.Find("greet_user")!.Description);
            Assert.Equal("FuncTasks.Samples.SampleTaskFunctions.GreetUser", registry.Find("greet_user")!.Origin);
        }
    }

    [Fact]
    public void Constructor_AppAssemblySamples_SplitArgumentsAndInjectedAsTheAppSeesThem()
    {
        var (provider, registry) = AppRegistry();
        using (provider)
        {
            var greet = Assert.Single(registry.Find("greet_user")!.Arguments);
            Assert.Equal(("name", "string", false, (object?)"World"), (greet.Name, greet.Type, greet.Required, greet.DefaultValue));
            Assert.Empty(registry.Find("greet_user")!.InjectedTypes);

            var process = registry.Find("process_data")!;
            Assert.Empty(process.Arguments);
            Assert.Equal([typeof(StorageAccount), typeof(ArtifactStore), typeof(JobContext), typeof(CancellationToken)], process.InjectedTypes);

            Assert.Equal([("a", "integer", true), ("b", "integer", true)], registry.Find("add")!.Arguments.Select(a => (a.Name, a.Type, a.Required)));

            var store = registry.Find("store_result")!;
            Assert.Equal([("data", "any", true)], store.Arguments.Select(a => (a.Name, a.Type, a.Required)));
            Assert.Equal([typeof(ArtifactStore), typeof(CancellationToken)], store.InjectedTypes);

            var longTask = registry.Find("long_task")!;
            Assert.Equal([("steps", "integer", false, (object?)10), ("step_seconds", "number", false, 1.0)],
                longTask.Arguments.Select(a => (a.Name, a.Type, a.Required, a.DefaultValue)));
            Assert.Equal([typeof(IJobProgress), typeof(ILogger), typeof(CancellationToken)], longTask.InjectedTypes);

            Assert.Equal([("risky_param", "string", true)], registry.Find("safe_task")!.Arguments.Select(a => (a.Name, a.Type, a.Required)));
        }
    }

    [Fact]
    public void Constructor_AddTaskFunctionInTheAppGraph_RegistersTheDelegateBesideTheSamples()
    {
        var (provider, registry) = AppRegistry(s => s.AddTaskFunction("tfr_added", (Func<int, object>)TestTaskFunctions.First, "Added."));
        using (provider)
        {
            Assert.True(registry.Contains("tfr_added"));
            Assert.Equal("Added.", registry.Find("tfr_added")!.Description);
            Assert.True(registry.Contains("greet_user"));
        }
    }

    [Fact]
    public void Constructor_AssemblyWithAttributes_FindsStaticPrivateAndInstanceMethodsOnly()
    {
        var registry = new TaskFunctionRegistry([new TaskFunctionSource(typeof(AttributedTaskFunctions).Assembly, null, null, null)], Registries.IsService);

        var found = registry.All.Select(f => f.Name).Where(n => n.StartsWith("tfr_", StringComparison.Ordinal)).ToList();

        Assert.Equal(["tfr_instance", "tfr_private", "tfr_static"], found);
        Assert.Equal("A static method.", registry.Find("tfr_static")!.Description);
        Assert.Null(registry.Find("tfr_private")!.Description);
        Assert.Equal("FuncTasks.Tests.TaskFunctions.AttributedInstanceTaskFunctions.Greet", registry.Find("tfr_instance")!.Origin);
        Assert.Equal(["name"], registry.Find("tfr_instance")!.Arguments.Select(a => a.Name));
        Assert.DoesNotContain(registry.All, f => f.Origin.EndsWith(".NotAFunction", StringComparison.Ordinal));
    }

    [Fact]
    public void Constructor_DelegateSource_UsesItsNameAndDescription()
    {
        var registry = Registries.Of(Registries.Source("first", (Func<int, object>)TestTaskFunctions.First, "The first one."));

        var function = Assert.Single(registry.All);
        Assert.Equal("first", function.Name);
        Assert.Equal("The first one.", function.Description);
        Assert.Equal("FuncTasks.Tests.TaskFunctions.TestTaskFunctions.First", function.Origin);
        Assert.Null(registry.Find("First"));
        Assert.False(registry.Contains("second"));
    }

    [Fact]
    public void Constructor_DuplicateNames_ThrowsNamingBothOrigins()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Registries.Of(
            Registries.Source("same", (Func<int, object>)TestTaskFunctions.First),
            Registries.Source("same", (Func<int, object>)TestTaskFunctions.Second)));

        Assert.Contains("'same'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("FuncTasks.Tests.TaskFunctions.TestTaskFunctions.First", ex.Message, StringComparison.Ordinal);
        Assert.Contains("FuncTasks.Tests.TaskFunctions.TestTaskFunctions.Second", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_DelegateNamedLikeASample_ThrowsNamingTheSampleAndTheDelegate()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Registries.Of(
            new TaskFunctionSource(typeof(FuncTasksRegistration).Assembly, null, null, null),
            Registries.Source("add", (Func<int, object>)TestTaskFunctions.Second)));

        Assert.Contains("'add'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("FuncTasks.Samples.SampleTaskFunctions.Add", ex.Message, StringComparison.Ordinal);
        Assert.Contains("FuncTasks.Tests.TaskFunctions.TestTaskFunctions.Second", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("has space")]
    [InlineData("tab\tname")]
    public void Constructor_InvalidName_ThrowsNamingTheMethod(string name)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Registries.Of(Registries.Source(name, (Func<int, object>)TestTaskFunctions.First)));

        Assert.Contains("TestTaskFunctions.First", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_NameOf201Characters_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => Registries.Of(Registries.Source(new string('n', 201), (Func<int, object>)TestTaskFunctions.First)));
        Assert.True(Registries.Of(Registries.Source(new string('n', 200), (Func<int, object>)TestTaskFunctions.First)).Contains(new string('n', 200)));
    }

    [Theory]
    [InlineData(nameof(TestTaskFunctions.ReturnsInt))]
    [InlineData(nameof(TestTaskFunctions.ReturnsString))]
    [InlineData(nameof(TestTaskFunctions.ReturnsBool))]
    [InlineData(nameof(TestTaskFunctions.ReturnsListOfInt))]
    [InlineData(nameof(TestTaskFunctions.ReturnsIntArray))]
    [InlineData(nameof(TestTaskFunctions.ReturnsTaskOfString))]
    [InlineData(nameof(TestTaskFunctions.ReturnsValueTaskOfInt))]
    public void Constructor_ReturnTypeThatIsNotAnObject_ThrowsNamingTheMethod(string method)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Registries.Of(Registries.Source("f", TestTaskFunctions.ByName[method])));

        Assert.Contains($"FuncTasks.Tests.TaskFunctions.TestTaskFunctions.{method}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'f'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(nameof(TestTaskFunctions.ReturnsRecord))]
    [InlineData(nameof(TestTaskFunctions.ReturnsAnonymousAsObject))]
    [InlineData(nameof(TestTaskFunctions.ReturnsDictionary))]
    [InlineData(nameof(TestTaskFunctions.ReturnsVoid))]
    [InlineData(nameof(TestTaskFunctions.ReturnsTask))]
    [InlineData(nameof(TestTaskFunctions.ReturnsValueTask))]
    [InlineData(nameof(TestTaskFunctions.ReturnsTaskOfRecord))]
    [InlineData(nameof(TestTaskFunctions.ReturnsValueTaskOfRecord))]
    [InlineData(nameof(TestTaskFunctions.ReturnsJsonObject))]
    public void Constructor_ReturnTypeThatCanBeAnObjectOrNothing_Registers(string method)
    {
        var registry = Registries.Of(Registries.Source("f", TestTaskFunctions.ByName[method]));

        Assert.Equal($"FuncTasks.Tests.TaskFunctions.TestTaskFunctions.{method}", registry.Find("f")!.Origin);
    }

    [Fact]
    public void Constructor_LambdaReturningAnonymousType_Registers()
    {
        var registry = Registries.Of(Registries.Source("anon", () => new { a = 1 }));

        Assert.True(registry.Contains("anon"));
    }

    [Fact]
    public void Constructor_RefParameter_ThrowsNamingTheParameter()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Registries.Of(Registries.Source("r", (WithRefParameter)((ref int count) => new { count }))));

        Assert.Contains("'count'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_EveryParameterKind_InjectsServicesAndBindsTheRest()
    {
        var function = Registries.One("everything", (Delegate)TestTaskFunctions.Everything);

        Assert.Equal(
            [typeof(CancellationToken), typeof(ILogger), typeof(JobContext), typeof(IJobProgress), typeof(ArtifactStore), typeof(JobScheduler), typeof(GreetingService)],
            function.InjectedTypes);
        Assert.Equal(
            [
                ("text", "string", true),
                ("count", "integer", true),
                ("ratio", "number", true),
                ("flag", "boolean", true),
                ("data", "any", true),
                ("address", "object", true),
                ("numbers", "array", true),
                ("names", "array", true),
                ("counts", "object", true),
                ("optional_greeter", "object", false),
                ("limit", "integer", false),
            ],
            function.Arguments.Select(a => (a.Name, a.Type, a.Required)));
        Assert.Equal(5, function.Arguments.Single(a => a.Name == "limit").DefaultValue);
        Assert.Null(function.Arguments.Single(a => a.Name == "optional_greeter").DefaultValue);
        Assert.Equal(typeof(GreetingService), function.Arguments.Single(a => a.Name == "optional_greeter").ClrType);
    }

    [Fact]
    public void Constructor_ServiceNotRegistered_IsAnArgument()
    {
        var function = new TaskFunctionRegistry(
            [Registries.Source("g", (Func<GreetingService, object>)(greeter => new { }))],
            new ServiceCollection().BuildServiceProvider().GetRequiredService<IServiceProviderIsService>()).Find("g")!;

        var argument = Assert.Single(function.Arguments);
        Assert.Equal(("greeter", "object", true), (argument.Name, argument.Type, argument.Required));
        Assert.Empty(function.InjectedTypes);
    }

    [Fact]
    public void Constructor_PlainDataTypeRegisteredAsAService_IsStillAnArgument()
    {
        using var provider = new ServiceCollection().AddSingleton("a registered string").AddSingleton(new[] { 1, 2 }).BuildServiceProvider();

        var function = new TaskFunctionRegistry(
            [Registries.Source("p", (Func<string, int[], object>)((text, numbers) => new { }))],
            provider.GetRequiredService<Microsoft.Extensions.DependencyInjection.IServiceProviderIsService>()).Find("p")!;

        Assert.Equal(["text", "numbers"], function.Arguments.Select(a => a.Name));
        Assert.Empty(function.InjectedTypes);
    }

    [Fact]
    public void Constructor_CSharpNames_BecomeSnakeCaseArgumentNames()
    {
        var function = Registries.One("snake", (Func<string, int, string, string, object>)TestTaskFunctions.SnakeCase);

        Assert.Equal(["risky_param", "step_seconds", "user_id", "already_snake"], function.Arguments.Select(a => a.Name));
        Assert.Equal(["riskyParam", "stepSeconds", "userID", "already_snake"], function.Arguments.Select(a => a.ParameterName));
    }

    [Fact]
    public void Constructor_NullableAnnotations_DecideWhetherNullIsAccepted()
    {
        var function = Registries.One("typed", (Delegate)TestTaskFunctions.Typed);
        var accepts = function.Arguments.ToDictionary(a => a.Name, a => a.AcceptsNull);

        Assert.False(accepts["count"]);
        Assert.False(accepts["text"]);
        Assert.True(accepts["maybe"]);
        Assert.True(accepts["note"]);
        Assert.False(accepts["numbers"]);
        Assert.False(accepts["day"]);
        Assert.Equal("string", function.Arguments.Single(a => a.Name == "day").Type);
        Assert.Equal(3, function.Arguments.Single(a => a.Name == "with_default").DefaultValue);
        Assert.Equal("hello", function.Arguments.Single(a => a.Name == "greeting").DefaultValue);
        Assert.True(function.Arguments.Single(a => a.Name == "maybe").Required);
    }

    [Fact]
    public void Constructor_JsonElementArgument_IsReportedAsAny()
    {
        var function = Registries.One("j", (Func<JsonElement, object>)(data => new { }));

        Assert.Equal("any", Assert.Single(function.Arguments).Type);
    }
}
