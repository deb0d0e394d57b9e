using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace FuncTasks.Hosting;

/// <summary>
/// OpenTelemetry for the worker: the Functions worker's traces and logs plus the FuncTasks meter,
/// exported to Azure Monitor only when APPLICATIONINSIGHTS_CONNECTION_STRING is set, so a local run
/// sends nothing anywhere. With APPLICATIONINSIGHTS_AUTHENTICATION_STRING
/// (<c>Authorization=AAD;ClientId=...</c>, as infra/ sets it) it authenticates with that managed identity.
/// </summary>
internal static class Telemetry
{
    public static void AddFuncTasksTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return;
        }

        services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .WithMetrics(metrics => metrics.AddMeter(FuncTasksMetrics.MeterName))
            .UseAzureMonitorExporter(options =>
            {
                options.ConnectionString = connectionString;
                if (ManagedIdentityClientId(configuration["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]) is { } clientId)
                {
                    options.Credential = new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
                }
            });
    }

    private static string? ManagedIdentityClientId(string? authentication) =>
        authentication?.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(part => part.Split('=', 2))
            .FirstOrDefault(kv => kv.Length == 2 && kv[0].Equals("ClientId", StringComparison.OrdinalIgnoreCase))?[1];
}
