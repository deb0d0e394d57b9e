using Microsoft.Extensions.Options;

namespace FuncTasks.Execution;

/// <summary>How a shell task's command is started: through the platform shell, or as an executable with arguments.</summary>
public sealed record ShellInvocation(bool UseShell, string Command, string Executable, IReadOnlyList<string> Arguments);

/// <summary>
/// Whether a shell command may be stored and run here, and how it runs: the one place shell safety is
/// decided. Off: every shell task is refused (403). On without an allow-list: the command runs through
/// the platform shell. On with an allow-list: the command is split into arguments (POSIX quoting), must
/// start with an allowed executable (403 otherwise), may not contain shell syntax (400), and runs without a shell.
/// </summary>
public sealed class ShellPolicy(IOptions<ShellOptions> options)
{
    /// <summary>What a shell would interpret; refused when commands run without one.</summary>
    private static readonly string[] ShellSyntax = [";", "|", "&", "`", "$(", "${", ">", "<", "\n", "\r"];

    private readonly HashSet<string> allowed = (options.Value.AllowedExecutables ?? string.Empty)
        .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
        .ToHashSet(StringComparer.Ordinal);

    public bool Enabled => options.Value.Enabled;

    /// <summary>Throws the 4xx that refuses this command, if it is refused (field names the request field).</summary>
    public void EnsureAllowed(string command, string field) => Plan(command, field);

    /// <summary>How to run the command, or the 4xx that refuses it.</summary>
    public ShellInvocation Plan(string command, string field)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!options.Value.Enabled)
        {
            throw Refusals.Forbidden("shell-disabled", "Shell tasks are disabled",
                $"Shell tasks are switched off in this app (FuncTasks:Shell:Enabled is false), so '{Shorten(command)}' cannot be stored or run as a shell command" +
                $" ({field}); if it was meant as a task function, no function of that name is registered (GET /api/v1/tasks/$functions).");
        }

        if (allowed.Count == 0)
        {
            return new ShellInvocation(true, command, string.Empty, []);
        }

        var syntax = ShellSyntax.Where(s => command.Contains(s, StringComparison.Ordinal)).ToList();
        if (syntax.Count > 0)
        {
            throw Refusals.Validation(field,
                $"contains shell syntax ({string.Join(" ", syntax.Select(s => s.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal)))}); " +
                "with an executable allow-list, commands run without a shell");
        }

        var words = CommandLine.Split(command)
            ?? throw Refusals.Validation(field, "has an unterminated quote or a trailing backslash");
        if (words.Count == 0)
        {
            throw Refusals.Validation(field, "names no executable");
        }

        if (!allowed.Contains(words[0]))
        {
            throw Refusals.Forbidden("executable-not-allowed", "The executable is not allowed",
                $"'{Shorten(words[0])}' is not on this app's list of allowed executables (FuncTasks:Shell:AllowedExecutables): {string.Join(", ", allowed.Order(StringComparer.Ordinal))}.");
        }

        return new ShellInvocation(false, command, words[0], words.Skip(1).ToList());
    }

    private static string Shorten(string command) => command.Length <= 80 ? command : command[..80] + "…";
}

/// <summary>Splits a command line into words the way a POSIX shell quotes (no expansion of any kind).</summary>
public static class CommandLine
{
    /// <summary>The words, or null when a quote is not closed or the line ends in a backslash.</summary>
    public static List<string>? Split(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var words = new List<string>();
        var word = new System.Text.StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            switch (c)
            {
                case '\'':
                    var close = line.IndexOf('\'', i + 1);
                    if (close < 0)
                    {
                        return null;
                    }

                    word.Append(line, i + 1, close - i - 1);
                    i = close;
                    inWord = true;
                    break;
                case '"':
                    inWord = true;
                    for (i++; ; i++)
                    {
                        if (i >= line.Length)
                        {
                            return null;
                        }

                        if (line[i] == '"')
                        {
                            break;
                        }

                        if (line[i] == '\\' && i + 1 < line.Length && line[i + 1] is '"' or '\\')
                        {
                            i++;
                        }

                        word.Append(line[i]);
                    }

                    break;
                case '\\':
                    if (i + 1 >= line.Length)
                    {
                        return null;
                    }

                    word.Append(line[++i]);
                    inWord = true;
                    break;
                case ' ' or '\t':
                    if (inWord)
                    {
                        words.Add(word.ToString());
                        word.Clear();
                        inWord = false;
                    }

                    break;
                default:
                    word.Append(c);
                    inWord = true;
                    break;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }
}
