using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;

namespace FuncTasks.Hosting;

/// <summary>
/// The one decision on how durable payloads are serialized: orchestration inputs and outputs, activity inputs
/// and outputs, entity operation inputs, results and state, and external event payloads. They use the isolated
/// worker's own JSON options (<c>IOptions&lt;JsonSerializerOptions&gt;</c>: property names as in C#, read
/// case-insensitively), with enums written by name so a history in flight survives a reordered enum.
/// <para>
/// Why these options and never <c>WorkerOptions.Serializer</c>: the Durable worker extension reads payloads on
/// two paths. Its DataConverter wraps <c>WorkerOptions.Serializer</c>, which the worker builds from these options
/// when the app sets none; but an orchestration's <c>GetInput&lt;T&gt;()</c> under the Functions host converts the
/// input with these options directly. Setting <c>WorkerOptions.Serializer</c> to anything else splits the two: with
/// the API's snake_case JSON there, every job's input reaches its activities with null fields under the real host,
/// while an engine that has only the first path (the SDK's shims) runs them fine. DurablePayloadTests holds this.
/// </para>
/// <para>The API's JSON (<see cref="Api.ApiJson"/>) is for HTTP bodies and stored records only.</para>
/// </summary>
public static class DurableSerialization
{
    public static IServiceCollection AddDurableSerialization(this IServiceCollection services) =>
        services.Configure<JsonSerializerOptions>(Configure);

    private static void Configure(JsonSerializerOptions options)
    {
        if (!options.Converters.OfType<JsonStringEnumConverter>().Any())
        {
            options.Converters.Add(new JsonStringEnumConverter());
        }
    }
}
