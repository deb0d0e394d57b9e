using System.Text.Json;
using FuncTasks.TaskFunctions;

namespace FuncTasks.Tests.TaskFunctions;

/// <summary>TaskArguments.Check and Bind: strict JSON types, names, requiredness and defaults.</summary>
public sealed class TaskArgumentsTests
{
    private const string Valid = """
        {"count": 2, "text": "t", "flag": true, "ratio": 0.5, "numbers": [1, 2], "address": {"street_name": "Main", "house_number": 7},
         "maybe": null, "note": null, "day": "monday"}
        """;

    private static readonly TaskFunctionDescriptor Typed = Registries.One("typed", (Delegate)TestTaskFunctions.Typed);

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    /// <summary>The valid params with one member replaced (or added) by <paramref name="name"/>: <paramref name="value"/>.</summary>
    private static JsonElement With(string name, string value)
    {
        var members = Json(Valid).EnumerateObject().Where(p => p.Name != name).Select(p => $"\"{p.Name}\": {p.Value.GetRawText()}");
        return Json("{" + string.Join(", ", members.Append($"\"{name}\": {value}")) + "}");
    }

    [Fact]
    public void Check_AllValid_NoErrors()
    {
        Assert.Empty(TaskArguments.Check(Typed, Json(Valid), requireAll: true));
    }

    [Fact]
    public void Check_MissingRequired_ErrorKeyedByParamsName()
    {
        var errors = TaskArguments.Check(Typed, Json("""{"text": "t"}"""), requireAll: true);

        Assert.Equal(
            ["params.address", "params.count", "params.day", "params.flag", "params.maybe", "params.note", "params.numbers", "params.ratio"],
            errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("required", Assert.Single(errors["params.count"]), StringComparison.Ordinal);
        Assert.Contains("'typed'", Assert.Single(errors["params.count"]), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_NullOrEmptyParams_EveryRequiredArgumentMissing()
    {
        Assert.Equal(9, TaskArguments.Check(Typed, null, requireAll: true).Count);
        Assert.Equal(9, TaskArguments.Check(Typed, Json("{}"), requireAll: true).Count);
    }

    [Fact]
    public void Check_RequireAllFalse_SkipsMissingButStillChecksGiven()
    {
        Assert.Empty(TaskArguments.Check(Typed, Json("{}"), requireAll: false));
        Assert.Empty(TaskArguments.Check(Typed, null, requireAll: false));

        var errors = TaskArguments.Check(Typed, Json("""{"count": "5", "nope": 1}"""), requireAll: false);

        Assert.Equal(["params.count", "params.nope"], errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Check_UnknownName_ErrorNamesTheKnownOnes()
    {
        var errors = TaskArguments.Check(Typed, With("Count", "1"), requireAll: true);

        var message = Assert.Single(Assert.Single(errors, e => e.Key == "params.Count").Value);
        Assert.Contains("not a parameter of 'typed'", message, StringComparison.Ordinal);
        Assert.Contains("count", message, StringComparison.Ordinal);
        Assert.Single(errors);
    }

    [Fact]
    public void Check_UnknownNameForFunctionWithoutArguments_SaysItTakesNone()
    {
        var function = Registries.One("none", (Func<object>)TestTaskFunctions.ReturnsAnonymousAsObject);

        var errors = TaskArguments.Check(function, Json("""{"x": 1}"""), requireAll: true);

        Assert.Contains("takes none", Assert.Single(errors["params.x"]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("count", "\"5\"")]
    [InlineData("count", "1.5")]
    [InlineData("count", "3000000000")]
    [InlineData("count", "true")]
    [InlineData("count", "null")]
    [InlineData("count", "[1]")]
    [InlineData("text", "5")]
    [InlineData("text", "null")]
    [InlineData("text", "{}")]
    [InlineData("flag", "\"true\"")]
    [InlineData("flag", "1")]
    [InlineData("ratio", "\"0.5\"")]
    [InlineData("numbers", "{}")]
    [InlineData("numbers", "[\"1\"]")]
    [InlineData("numbers", "null")]
    [InlineData("numbers", "5")]
    [InlineData("address", "[]")]
    [InlineData("address", "\"Main 7\"")]
    [InlineData("day", "1")]
    [InlineData("day", "\"someday\"")]
    [InlineData("maybe", "\"1\"")]
    [InlineData("note", "1")]
    public void Check_WrongType_ErrorKeyedByThatParameterOnly(string name, string value)
    {
        var errors = TaskArguments.Check(Typed, With(name, value), requireAll: true);

        var (key, messages) = Assert.Single(errors);
        Assert.Equal($"params.{name}", key);
        Assert.False(string.IsNullOrWhiteSpace(Assert.Single(messages)));
    }

    [Fact]
    public void Check_WrongTypeMessages_SayWhatWasExpectedAndGiven()
    {
        Assert.Equal("must be an integer, not a string", TaskArguments.Check(Typed, With("count", "\"5\""), true)["params.count"].Single());
        Assert.Equal("must be a string, not a number", TaskArguments.Check(Typed, With("text", "5"), true)["params.text"].Single());
        Assert.Equal("must not be null (integer)", TaskArguments.Check(Typed, With("count", "null"), true)["params.count"].Single());
        Assert.StartsWith("must be an array, not an object", TaskArguments.Check(Typed, With("numbers", "{}"), true)["params.numbers"].Single(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ratio", "5")]
    [InlineData("ratio", "-1e3")]
    [InlineData("maybe", "null")]
    [InlineData("maybe", "7")]
    [InlineData("note", "null")]
    [InlineData("note", "\"n\"")]
    [InlineData("numbers", "[]")]
    [InlineData("day", "\"sunday\"")]
    [InlineData("with_default", "9")]
    [InlineData("greeting", "\"hey\"")]
    public void Check_AcceptableValue_NoErrors(string name, string value)
    {
        Assert.Empty(TaskArguments.Check(Typed, With(name, value), requireAll: true));
    }

    [Fact]
    public void Check_PocoWithUnknownMember_IsRefused()
    {
        var errors = TaskArguments.Check(Typed, With("address", """{"street_name": "Main", "house_number": 7, "zip": "1000"}"""), requireAll: true);

        Assert.Equal(["params.address"], errors.Keys);
    }

    [Fact]
    public void Check_PocoWithPascalCaseMembers_IsRefused()
    {
        var errors = TaskArguments.Check(Typed, With("address", """{"StreetName": "Main", "HouseNumber": 7}"""), requireAll: true);

        Assert.Equal(["params.address"], errors.Keys);
    }

    [Fact]
    public void Check_PocoMissingAConstructorMember_IsRefused()
    {
        var errors = TaskArguments.Check(Typed, With("address", """{"street_name": "Main"}"""), requireAll: true);

        Assert.Equal(["params.address"], errors.Keys);
    }

    [Fact]
    public void Bind_ValidParams_ConvertsEachArgumentToItsType()
    {
        var values = TaskArguments.Bind(Typed, Json(Valid));

        Assert.Equal(2, values[0]);
        Assert.Equal("t", values[1]);
        Assert.Equal(true, values[2]);
        Assert.Equal(0.5, values[3]);
        Assert.Equal([1, 2], Assert.IsType<int[]>(values[4]));
        Assert.Equal(new Address("Main", 7), values[5]);
        Assert.Null(values[6]);
        Assert.Null(values[7]);
        Assert.Equal(DayOfWeek.Monday, values[8]);
        Assert.Equal(3, values[9]);
        Assert.Equal("hello", values[10]);
    }

    [Fact]
    public void Bind_GivenValueForDefaultedArgument_OverridesTheDefault()
    {
        var values = TaskArguments.Bind(Typed, With("with_default", "11"));

        Assert.Equal(11, values[9]);
    }

    [Fact]
    public void Bind_InjectedParameters_LeftNullForTheInvoker()
    {
        var function = Registries.One("everything", (Delegate)TestTaskFunctions.Everything);

        var values = TaskArguments.Bind(function, Json("""
            {"text": "t", "count": 1, "ratio": 1, "flag": false, "data": [1, "x"], "address": {"street_name": "s", "house_number": 1},
             "numbers": [], "names": ["n"], "counts": {"a": 1}}
            """));

        Assert.All(values.Take(7), Assert.Null);
        Assert.Equal("t", values[7]);
        Assert.Equal(JsonValueKind.Array, Assert.IsType<JsonElement>(values[11]).ValueKind);
        Assert.Equal(["n"], Assert.IsType<List<string>>(values[14]));
        Assert.Equal(1, Assert.IsType<Dictionary<string, int>>(values[15])["a"]);
        Assert.Null(values[16]);
        Assert.Equal(5, values[17]);
    }

    [Fact]
    public void Bind_MissingRequired_ThrowsArgumentExceptionNamingIt()
    {
        var ex = Assert.Throws<ArgumentException>(() => TaskArguments.Bind(Typed, Json("{}")));

        Assert.Equal("count", ex.ParamName);
    }

    [Fact]
    public void Bind_WrongType_ThrowsArgumentExceptionNamingIt()
    {
        var ex = Assert.Throws<ArgumentException>(() => TaskArguments.Bind(Typed, With("text", "5")));

        Assert.Equal("text", ex.ParamName);
        Assert.Contains("must be a string", ex.Message, StringComparison.Ordinal);
    }
}
