using FuncTasks.Benchmarks.Harness;
using FuncTasks.Benchmarks.Store;

// Each benchmark is a sub-command; add new ones (durable job latency, throughput, ...) to this list.
IBenchmarkCommand[] commands =
[
    new StoreBenchmark(),
];

return await BenchmarkCli.RunAsync(args, commands);
