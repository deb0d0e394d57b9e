using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace FuncTasks.Hosting;

public sealed class HealthFunction
{
    [Function("Health")]
    public static IResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request)
        => Results.Ok(new { status = "healthy" });
}
