using Fulfillment.Benchmarks;

// Verbs: each measures one thing and prints a table line; --json PATH also writes the figures.
return args.FirstOrDefault() switch
{
    "simulator" => await SimulatorBenchmark.RunAsync(BenchmarkArgs.Parse(args.Skip(1))),
    "purge" => await Fulfillment.Benchmarks.Retention.PurgeBenchmark.RunAsync(args[1..]),
    "engine" => await Fulfillment.Benchmarks.Engine.EngineBenchmark.RunAsync(args[1..]),
    "scale" => await Fulfillment.Benchmarks.Scale.ScaleBenchmark.RunAsync(args[1..]),
    "growth" => await Fulfillment.Benchmarks.Growth.GrowthBenchmark.RunAsync(args[1..]),
    "reference" => await Fulfillment.Benchmarks.Reference.ReferenceEngine.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Fulfillment.Benchmarks simulator [--concurrency N] [--duration SECONDS] [--warmup SECONDS] [--quick] [--json PATH]");
    Console.Error.WriteLine("       Fulfillment.Benchmarks " + Fulfillment.Benchmarks.Retention.PurgeBenchmark.Usage);
    Console.Error.WriteLine("       Fulfillment.Benchmarks " + Fulfillment.Benchmarks.Engine.EngineBenchmarkArgs.Usage);
    Console.Error.WriteLine("       Fulfillment.Benchmarks " + Fulfillment.Benchmarks.Growth.GrowthBenchmark.Usage);
    Console.Error.WriteLine("       Fulfillment.Benchmarks " + Fulfillment.Benchmarks.Scale.ScaleBenchmark.Usage);
    return 2;
}
