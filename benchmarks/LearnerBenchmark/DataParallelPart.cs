using System.Globalization;
using Microsoft.Extensions.Configuration;
using Streaming.Contracts;
using Streaming.DataParallel;

namespace Streaming.Benchmarks.Learner;

public sealed record DataParallelFigures(
    int Examples, int RoundExamples, string Combine, Dictionary<string, double> GridLoss, double SerialLoss,
    bool EqualsInMemory, IReadOnlyList<DataParallelResult> Runs, IReadOnlyList<DataParallelResult> AsynchronousRuns);

/// <summary>
/// Data-parallel learning in two steps of one run: the round rule in memory (combine × round size against serial SGD on
/// the same rows), then the deployed parameter server and workers at each worker count over the same examples, each
/// checked against the in-memory rounds of the configured settings.
/// </summary>
public static class DataParallelPart
{
    private static readonly int[] GridRoundExamples = [100, 1_000, 10_000];

    public static async Task<DataParallelFigures> RunAsync(IConfiguration configuration, List<TrainingExample> examples, int partitions,
        IReadOnlyList<int> workerCounts, IReadOnlyList<string> settings, EndToEndResult? learnerService)
    {
        var options = configuration.GetSection(DataParallelOptions.Section).Get<DataParallelOptions>() ?? new DataParallelOptions();
        var spec = options.Spec;
        Console.WriteLine($"data-parallel: {examples.Count:N0} examples over {partitions} partitions (example i in partition i mod {partitions}), " +
                          $"spec {spec.Optimizer} rate {spec.LearningRate} power {spec.Power} {spec.Numbers}, {spec.Bits} bits");

        var serial = DataParallelRounds.Run(examples, 1, spec, int.MaxValue, RoundCombine.Sum);
        Console.WriteLine(Invariant($"  in memory, serial SGD (one partition, one round)            log loss {serial.Metrics.MeanLoss:F4}  {serial.ExamplesPerSecond,10:N0} examples/s"));
        var grid = new Dictionary<string, double>();
        foreach (var combine in new[] { RoundCombine.Sum, RoundCombine.Average })
            foreach (var round in GridRoundExamples)
            {
                var result = DataParallelRounds.Run(examples, partitions, spec, round, combine);
                grid[Invariant($"{combine}/{round}")] = Math.Round(result.Metrics.MeanLoss, 5);
                Console.WriteLine(Invariant($"  in memory, {combine,-7} of {partitions} partitions, {round,6:N0} examples each per round: log loss {result.Metrics.MeanLoss:F4} over {result.Versions:N0} versions"));
            }

        var configured = DataParallelRounds.Run(examples, partitions, spec, options.RoundExamples, options.Combine);
        Console.WriteLine(Invariant($"  configured: {options.Combine}, {options.RoundExamples:N0} examples per partition per round: in memory log loss {configured.Metrics.MeanLoss:F4} over {configured.Versions:N0} versions"));
        Console.WriteLine("  as deployed (parameter server and N workers, each its own host in this process; embedded broker and Garnet):");
        using var service = await DataParallelService.PublishAsync(examples, partitions);
        // The first run in this process would pay for JIT compiling the hosts, the clients and the learner: warm them all up.
        await service.RunAsync(1, UpdateMode.Synchronous, settings, model: "bench-dp-warm-up");
        var runs = new List<DataParallelResult>();
        var equal = true;
        foreach (var workers in workerCounts)
        {
            var run = await service.RunAsync(workers, UpdateMode.Synchronous, settings);
            runs.Add(run);
            var same = run.Latest.Payload.AsSpan().SequenceEqual(configured.State);
            equal &= same;
            var verdict = same ? "equal to" : "DIFFERENT from";
            Console.WriteLine(Invariant($"    synchronous,  {workers} worker(s) {run.ExamplesPerSecond,10:N0} examples/s ({run.ExamplesPerSecond / runs[0].ExamplesPerSecond:F2}× 1 worker), v{run.Latest.Manifest.Version} in {run.Elapsed.TotalSeconds:F1} s, progressive log loss {run.Latest.Manifest.Metrics.MeanLoss:F4}, model {verdict} the in-memory rounds"));
        }
        var asynchronous = new List<DataParallelResult>();
        foreach (var workers in workerCounts)
        {
            var run = await service.RunAsync(workers, UpdateMode.Asynchronous, settings);
            asynchronous.Add(run);
            Console.WriteLine(Invariant($"    asynchronous, {workers} worker(s) {run.ExamplesPerSecond,10:N0} examples/s ({run.ExamplesPerSecond / runs[0].ExamplesPerSecond:F2}× 1 synchronous worker), v{run.Latest.Manifest.Version} in {run.Elapsed.TotalSeconds:F1} s, progressive log loss {run.Latest.Manifest.Metrics.MeanLoss:F4}"));
        }
        if (learnerService is not null)
            Console.WriteLine(Invariant($"    (the single learner service above: {learnerService.LearnerPerSecond:N0} examples/s on one partition)"));
        Console.WriteLine($"  {Environment.ProcessorCount} cores shared by the broker, Garnet, the parameter server and every worker");
        return new DataParallelFigures(examples.Count, options.RoundExamples, options.Combine.ToString(), grid, serial.Metrics.MeanLoss, equal, runs, asynchronous);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
