using System.Net;
using FuncTasks.Testing;
using FuncTasks.Tests.Infrastructure;

namespace FuncTasks.Tests.Hosting;

public sealed class HealthTests
{
    [Fact]
    public async Task Health_WithStorageUp_Is200Healthy_WithBothChecks()
    {
        await using var app = await AppHost.StartAsync();
        using var response = await app.GetAsync("/api/health");
        var body = await Json.ReadAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Equal("healthy", body.GetProperty("checks").GetProperty("tables").GetProperty("status").GetString());
        Assert.Equal("healthy", body.GetProperty("checks").GetProperty("blobs").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Health_WithAzuriteStopped_Is503Unhealthy()
    {
        // An Azurite of this test's own, so stopping it leaves the other tests alone.
        await using var azurite = await AzuriteServer.StartAsync();
        await using var host = await FuncTasks.Testing.Http.FunctionsTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["FuncTasks:Storage:TablePrefix"] = FuncTasks.Testing.TestNames.Unique("h"),
        });

        azurite.Stop();
        using var response = await host.Client.GetAsync("/api/health");
        var body = await Json.ReadAsync(response);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("unhealthy", body.GetProperty("status").GetString());
        Assert.Equal("unhealthy", body.GetProperty("checks").GetProperty("tables").GetProperty("status").GetString());
        Assert.Equal("unhealthy", body.GetProperty("checks").GetProperty("blobs").GetProperty("status").GetString());
    }
}
