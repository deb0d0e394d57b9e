using FuncTasks.Benchmarks.Durable;
using FuncTasks.Benchmarks.Harness;
using FuncTasks.Benchmarks.Hosted;
using FuncTasks.Benchmarks.Shell;
using FuncTasks.Benchmarks.Store;

// Each benchmark is a sub-command; add new ones to this list.
IBenchmarkCommand[] commands =
[
    new StoreBenchmark(),
    new JobLatencyBenchmark(),
    new JobThroughputBenchmark(),
    new GateHandoffBenchmark(),
    new GateUtilizationBenchmark(),
    new GateStateBenchmark(),
    new ShellOverheadBenchmark(),
    new LiveOutputBenchmark(),
    new HostLatencyBenchmark(),
    new HostBurstBenchmark(),
    new HostUtilizationBenchmark(),
    new IdempotencyBenchmark(),
    new RetentionBenchmark(),
    new ScheduleLatenessBenchmark(),
    new ScheduleIdleBenchmark(),
    new StatsBenchmark(),
];

return await BenchmarkCli.RunAsync(args, commands);
