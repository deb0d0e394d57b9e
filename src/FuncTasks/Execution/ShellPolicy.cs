using FuncTasks.Api;
using Microsoft.Extensions.Options;

namespace FuncTasks.Execution;

/// <summary>Whether a shell command may be stored and run here: the one place shell safety is decided.</summary>
public sealed class ShellPolicy(IOptions<ShellOptions> options)
{
    public bool Enabled => options.Value.Enabled;

    /// <summary>Throws a 403 when shell tasks are off.</summary>
    public void EnsureAllowed(string command, string field)
    {
        if (!options.Value.Enabled)
        {
            throw Problems.Forbidden("shell-disabled", "Shell tasks are disabled",
                $"Shell tasks are switched off in this app (FuncTasks:Shell:Enabled is false), so '{Shorten(command)}' cannot be stored or run as a shell command" +
                $" ({field}); if it was meant as a task function, no function of that name is registered (GET /api/v1/tasks/$functions).");
        }
    }

    private static string Shorten(string command) => command.Length <= 80 ? command : command[..80] + "…";
}
