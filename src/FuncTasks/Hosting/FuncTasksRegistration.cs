using Microsoft.Azure.Functions.Worker.Builder;

namespace FuncTasks.Hosting;

public static class FuncTasksRegistration
{
    public static FunctionsApplicationBuilder AddFuncTasks(this FunctionsApplicationBuilder builder)
    {
        return builder;
    }
}
