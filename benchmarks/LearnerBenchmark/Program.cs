using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Streaming.Benchmarks.Learner;
using Streaming.Contracts;
using Streaming.Host.Commands;
using Streaming.Learning;
using Streaming.OnlineLearner;

// The online learner on the flights stream (label: departure delay > 15 min; features: hour, day of
// week, origin, destination, route, log distance), in three parts of one run:
//   core   the learning core on one thread over pre-hashed batches: examples/s and progressive metrics
//   sklearn scikit-learn's SGDClassifier.partial_fit on the same rows and encoding, batches of 1,000,
//          predict before learn, over a grid of settings: the reference to beat
//   e2e    the learner service from Kafka to snapshots in Redis, beside the broker's raw consume rate
//   dp     data-parallel learning: synchronous rounds in memory over a grid of combine rules and round sizes, then
//          the parameter server with 1, 2 and 4 learner workers as deployed (synchronous rounds, then asynchronous
//          updates), beside 1 worker and the learner service
// Usage: dotnet run -c Release --project benchmarks/LearnerBenchmark [-- --data PATH --rows N
//        --skip sklearn,e2e,dp --e2e-examples N --dp-examples N --dp-partitions N --dp-workers 1,2,4 --passes N
//        --python PATH --Learner:Spec:Optimizer=... (any Learner:* or DataParallel:* setting)]
var fullFile = Path.GetFullPath(Path.Combine("..", "shared", "data", "flights-3m.parquet"));
var data = Option("--data") ?? (File.Exists(fullFile) ? fullFile : DemoCommand.DefaultDataPath);
var rows = long.Parse(Option("--rows") ?? "1000000", CultureInfo.InvariantCulture);
var e2eExamples = int.Parse(Option("--e2e-examples") ?? "50000", CultureInfo.InvariantCulture);
var passes = int.Parse(Option("--passes") ?? "5", CultureInfo.InvariantCulture);
var python = Option("--python") ?? "/usr/bin/python3";
var skip = (Option("--skip") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);
var learnerSettings = args.Where(a => a.StartsWith("--Learner:", StringComparison.Ordinal)).ToArray();
var dataParallelSettings = args.Where(a => a.StartsWith("--DataParallel:", StringComparison.Ordinal)).ToArray();
var dpExamples = int.Parse(Option("--dp-examples") ?? "100000", CultureInfo.InvariantCulture);
var dpPartitions = int.Parse(Option("--dp-partitions") ?? "4", CultureInfo.InvariantCulture);
var dpWorkers = (Option("--dp-workers") ?? "1,2,4").Split(',').Select(w => int.Parse(w, CultureInfo.InvariantCulture)).ToArray();

var configuration = new ConfigurationBuilder()
    .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"))
    .AddCommandLine([.. learnerSettings, .. dataParallelSettings])
    .Build();
var options = configuration.GetSection(LearnerOptions.Section).Get<LearnerOptions>() ?? new LearnerOptions();
var configured = options.Spec;

Console.WriteLine($"Loading up to {rows:N0} flights from {data}");
var stream = await FlightStream.LoadAsync(data, rows, configured);
var positives = stream.Batches.Sum(b => b.Targets.Count(1.0));
Console.WriteLine($"{stream.Count:N0} examples in label-arrival order, {positives / (double)stream.Count:P1} delayed > 15 min, " +
                  $"{stream.NonZeros / (double)stream.Count:F1} non-zeros each, {configured.Bits} bits; {Environment.ProcessorCount} cores");

// Ours: the configured spec, and each other optimizer with its defaults (no FTRL-specific regularization).
var contenders = new List<(string Name, LearnerSpec Spec)> { ($"{configured.Optimizer} (configured)", configured) };
contenders.AddRange(new[] { "ftrl", "sgd", "adagrad", "normalized" }
    .Where(o => o != configured.Optimizer)
    .Select(o => (o, configured with { Optimizer = o, L1 = 0, L2 = 0 })));
Console.WriteLine();
Console.WriteLine("core loop, one thread (median of timed passes after a 2 s warm-up), progressive validation:");
Console.WriteLine($"  {"learner",-24} {"examples/s",14} {"logloss/1000",13} {"acc/1000",9} {"logloss/1",10} {"acc/1",7} {"AUC/1",7}");
var ours = new List<(string Name, double Rate, ModelMetrics ByBatch, ModelMetrics ByExample)>();
foreach (var (name, spec) in contenders)
{
    var rate = CoreLoop.ExamplesPerSecond(stream, spec, passes);
    var byBatch = CoreLoop.Progressive(stream, spec, wholeBatchFirst: true);
    var byExample = CoreLoop.Progressive(stream, spec, wholeBatchFirst: false);
    ours.Add((name, rate, byBatch, byExample));
    Console.WriteLine(Invariant($"  {name,-24} {rate,14:N0} {byBatch.MeanLoss,13:F4} {byBatch.Accuracy,9:F4} {byExample.MeanLoss,10:F4} {byExample.Accuracy,7:F4} {byExample.Auc,7:F4}"));
}
Console.WriteLine("  (/1000: each batch of 1,000 predicted before it is learned, as scikit-learn below; /1: each example, as the learner service runs)");

// What serving answers lags the learner by the snapshot interval (snapshots every N examples; batches of 1,000, so N
// is rounded up to a whole batch): the served loss of each interval beside the learner's own per-example figure.
var snapshotIntervals = new[] { 1_000, 10_000, 50_000 };
Console.WriteLine();
Console.WriteLine("served from snapshots (each example scored by the weights of the last snapshot; version 0 = zeros before the first):");
var servedLoss = new Dictionary<string, Dictionary<string, double>>();
foreach (var (name, spec) in contenders)
{
    var byInterval = snapshotIntervals.ToDictionary(n => n.ToString(CultureInfo.InvariantCulture), n => Math.Round(CoreLoop.ServedFromSnapshots(stream, spec, n), 5));
    servedLoss[name] = byInterval;
    Console.WriteLine(Invariant($"  {name,-24} ") + string.Join("  ", byInterval.Select(p => Invariant($"every {int.Parse(p.Key, CultureInfo.InvariantCulture),6:N0}: {p.Value:F4}"))));
}

Console.WriteLine();
Console.WriteLine($"scikit-learn SGDClassifier(loss=log_loss).partial_fit, batches of {FlightStream.BatchSize:N0}, predict before learn ({python}):");
var (sklearn, unavailable) = skip.Contains("sklearn")
    ? ([], "skipped (--skip)")
    : await ScikitLearn.RunAsync(stream, new LinearLearner(configured).Hasher.BiasSlot, python);
foreach (var result in sklearn)
    Console.WriteLine(Invariant($"  {result.Setting,-70} {result.ExamplesPerSecond,10:N0}/s  log loss {result.LogLoss:F4}  accuracy {result.Accuracy:F4}"));
if (unavailable is not null) Console.WriteLine($"  not measured: {unavailable}");
var best = sklearn.MinBy(r => r.LogLoss);
var mine = ours[0];
if (best is not null)
{
    var verdict = mine.ByBatch.MeanLoss < best.LogLoss ? "ours lower" : "scikit-learn lower";
    Console.WriteLine(Invariant($"  best: {best.Setting}: log loss {best.LogLoss:F4} vs ours (configured, same protocol) {mine.ByBatch.MeanLoss:F4}: {verdict}"));
}

Console.WriteLine();
Console.WriteLine($"end to end: learner service, {e2eExamples:N0} JSON examples from embedded Kafka, snapshots into embedded Garnet:");
var e2e = skip.Contains("e2e") ? null : await EndToEnd.RunAsync(stream, Math.Min(e2eExamples, stream.Count), learnerSettings);
if (e2e is null) Console.WriteLine("  not measured: skipped (--skip)");
else
{
    Console.WriteLine(Invariant($"  raw consume   {e2e.RawConsumePerSecond,10:N0} records/s  (bare consumer, same broker: the ceiling)"));
    Console.WriteLine(Invariant($"  learner       {e2e.LearnerPerSecond,10:N0} examples/s ({e2e.LearnerPerSecond / e2e.RawConsumePerSecond:P0} of raw), snapshot v{e2e.Manifest.Version}, progressive log loss {e2e.Manifest.Metrics.MeanLoss:F4}"));
}

Console.WriteLine();
var dp = skip.Contains("dp") ? null : await DataParallelPart.RunAsync(configuration, stream.Examples.Take(dpExamples).ToList(), dpPartitions, dpWorkers, dataParallelSettings, e2e);
if (dp is null) Console.WriteLine("data-parallel: not measured: skipped (--skip)");

Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
{
    ["benchmark"] = "learner",
    ["data"] = Path.GetFileName(data),
    ["examples"] = stream.Count,
    ["bits"] = configured.Bits,
    ["core_examples_per_s"] = ours.ToDictionary(o => o.Name, o => Math.Round(o.Rate)),
    ["progressive_log_loss_batch1000"] = ours.ToDictionary(o => o.Name, o => Math.Round(o.ByBatch.MeanLoss, 5)),
    ["progressive_accuracy_batch1000"] = ours.ToDictionary(o => o.Name, o => Math.Round(o.ByBatch.Accuracy, 5)),
    ["progressive_log_loss_per_example"] = ours.ToDictionary(o => o.Name, o => Math.Round(o.ByExample.MeanLoss, 5)),
    ["served_log_loss_by_snapshot_interval"] = servedLoss,
    ["sklearn_version"] = best?.Version,
    ["sklearn_best_setting"] = best?.Setting,
    ["sklearn_best_log_loss"] = best is null ? null : Math.Round(best.LogLoss, 5),
    ["sklearn_best_accuracy"] = best is null ? null : Math.Round(best.Accuracy, 5),
    ["sklearn_best_examples_per_s"] = best is null ? null : Math.Round(best.ExamplesPerSecond),
    ["e2e_examples"] = e2e?.Examples,
    ["e2e_raw_consume_per_s"] = e2e is null ? null : Math.Round(e2e.RawConsumePerSecond),
    ["e2e_learner_examples_per_s"] = e2e is null ? null : Math.Round(e2e.LearnerPerSecond),
    ["dp_examples"] = dp?.Examples,
    ["dp_partitions"] = dp is null ? null : dpPartitions,
    ["dp_round_examples"] = dp?.RoundExamples,
    ["dp_combine"] = dp?.Combine,
    ["dp_rounds_log_loss"] = dp?.GridLoss,
    ["dp_serial_sgd_log_loss"] = dp is null ? null : Math.Round(dp.SerialLoss, 5),
    ["dp_equals_in_memory_rounds"] = dp?.EqualsInMemory,
    ["workers"] = dp?.Runs.Select(r => r.Workers).ToArray(),
    ["examples_per_s"] = dp?.Runs.Select(r => Math.Round(r.ExamplesPerSecond)).ToArray(),
    ["progressive_log_loss"] = dp?.Runs.Select(r => Math.Round(r.Latest.Manifest.Metrics.MeanLoss, 5)).ToArray(),
    ["async_examples_per_s"] = dp?.AsynchronousRuns.Select(r => Math.Round(r.ExamplesPerSecond)).ToArray(),
    ["async_progressive_log_loss"] = dp?.AsynchronousRuns.Select(r => Math.Round(r.Latest.Manifest.Metrics.MeanLoss, 5)).ToArray(),
}));
return 0;

string? Option(string name)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
}

static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
