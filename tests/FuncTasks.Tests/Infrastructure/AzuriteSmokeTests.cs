namespace FuncTasks.Tests.Infrastructure;

public class AzuriteSmokeTests
{
    [Fact]
    public async Task SharedAzurite_Starts_AndListens()
    {
        var server = await SharedAzurite.GetAsync();
        Assert.True(server.IsRunning);
    }
}
