using System.Runtime.InteropServices;

namespace FuncTasks.Benchmarks.Harness;

/// <summary>Parses <c>&lt;command&gt; [options]</c>, runs the command and writes its report.</summary>
internal static class BenchmarkCli
{
    public static async Task<int> RunAsync(string[] args, IReadOnlyList<IBenchmarkCommand> commands)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            PrintUsage(commands, Console.Out);
            return args.Length == 0 ? 2 : 0;
        }

        var command = commands.FirstOrDefault(c => string.Equals(c.Name, args[0], StringComparison.OrdinalIgnoreCase));
        if (command is null)
        {
            Console.Error.WriteLine($"Unknown benchmark '{args[0]}'.");
            PrintUsage(commands, Console.Error);
            return 2;
        }

        var (options, error) = BenchmarkOptions.Parse(args[1..], command.Defaults, command.QuickDefaults);
        if (options is null)
        {
            Console.Error.WriteLine($"{command.Name}: {error}");
            PrintUsage(commands, Console.Error);
            return 2;
        }

        // Ctrl+C and SIGTERM cancel the run instead of ending the process at once, so the command
        // unwinds and stops the Azurite it started.
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
        {
            signal.Cancel = true;
            cancellation.Cancel();
        });

        var machine = MachineInfo.Collect();
        var report = new Report(command.Name, options, machine);
        if (!machine.IsOptimized)
        {
            Console.Error.WriteLine("warning: this is a Debug build; run with -c Release for figures worth quoting.");
        }

        try
        {
            var code = await command.RunAsync(new BenchmarkContext(options, report, cancellation.Token));
            if (code != 0 && report.IsEmpty)
            {
                return code;
            }

            report.Finish();
            Console.Out.Write(report.ToText());
            if (options.MarkdownOut is { } path)
            {
                await File.WriteAllTextAsync(path, report.ToMarkdown());
                Console.Error.WriteLine($"Markdown written to {Path.GetFullPath(path)}");
            }

            return code;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            Console.Error.WriteLine("Cancelled.");
            return 130;
        }
    }

    private static void PrintUsage(IReadOnlyList<IBenchmarkCommand> commands, TextWriter writer)
    {
        writer.WriteLine("usage: dotnet run -c Release --project tests/FuncTasks.Benchmarks -- <benchmark> [options]");
        writer.WriteLine();
        writer.WriteLine("benchmarks:");
        foreach (var command in commands)
        {
            writer.WriteLine($"  {command.Name,-18} {command.Summary}");
            writer.WriteLine($"  {string.Empty,-18}   ({command.DefaultsSummary})");
        }

        writer.WriteLine();
        writer.WriteLine("options:");
        writer.WriteLine(BenchmarkOptions.Usage);
    }
}
