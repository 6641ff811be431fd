using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using StackExchange.Redis;
using Streaming.Benchmarks.Serving;
using Streaming.Contracts;
using Streaming.FeatureStore.Online;
using Streaming.FeatureStore.Tiles;
using Streaming.Flights;
using Streaming.Learning;
using Streaming.Learning.Hashing;
using Streaming.Models.Onnx;
using Streaming.Models.Store;
using Streaming.Platform.Kafka;
using Streaming.Platform.Redis;
using Streaming.Serving;
using Streaming.Serving.Inference;
using Streaming.Testing;

// Prediction latency of one serving node (`streaming serve`, its own process) under closed-loop HTTP load from
// this process on loopback, with online features for every request from Redis:
//   floors   a bare Redis round trip (PING, and the pipelined HGETALLs one prediction makes) and a bare
//            ONNX Runtime call, measured here in the same run, and an HTTP GET of the node's /healthz
//   steady   QPS and p50/p99/p99.9 at several connection counts
//   swaps    the same load at the connection count that reached 10k QPS while a new snapshot is published every second,
//            against the same load just before and just after
//   batched  the steady loads again on a second node that micro-batches concurrent single predictions (--micro-batch rows, 0 skips)
//   balanced the swaps' connection count again through nginx (compose/nginx/nginx.conf) in front of this node and a second one,
//            beside the node alone, each against its HTTP floor (/healthz at 1 connection, direct and through nginx); skipped without nginx
//   rollouts a load below saturation (--rollout-connections) with no rollout, an A/B rollout (half to a second model) and a shadow rollout (the second model
//            scores every request too), in that order and again in reverse, so drift over the run averages out
// Redis is Garnet inside this process unless --redis names a server (e.g. Debian's redis-server: --redis 127.0.0.1:6379).
// The load comes from Debian's wrk when installed (apt-get install -y wrk), else from HttpClient here (--load http|wrk).
//   same QPS predictions and GET /healthz paced at half the swaps' steady QPS on the same connections: p99 against the floor
// With --pin (default when taskset exists and there are 2+ cores) this process (load generator, embedded broker, Garnet,
// nginx and wrk, which inherit it) runs on core 0 and every serving node on the other cores; --pin off shares them all.
// Usage: dotnet run -c Release --project benchmarks/ServingBenchmark [-- --connections 1,2,4,8,16 --seconds 10 --swap-seconds 15 --swap-runs 3 --warm-up-seconds 30 --micro-batch ROWS|0 --rollout-connections 4 --data PATH --redis HOST:PORT --load wrk|http --pin on|off]
var connectionCounts = Argument("--connections", "1,2,4,8,16").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
var seconds = double.Parse(Argument("--seconds", "10"), CultureInfo.InvariantCulture);
var swapSeconds = double.Parse(Argument("--swap-seconds", "15"), CultureInfo.InvariantCulture);
var microBatchRows = int.Parse(Argument("--micro-batch", "32"), CultureInfo.InvariantCulture);
// Below saturation, so that what routing adds shows in the tail rather than drowning in queueing.
var rolloutConnections = int.Parse(Argument("--rollout-connections", "4"), CultureInfo.InvariantCulture);
var data = Argument("--data", Path.Combine(AppContext.BaseDirectory, "data", "flights-sample.parquet"));
var swapRuns = int.Parse(Argument("--swap-runs", "3"), CultureInfo.InvariantCulture);
if (swapRuns < 1)
{
    Console.Error.WriteLine("--swap-runs must be at least 1: the hot-swap figure is the median of those runs.");
    return 2;
}
var warmUpSeconds = double.Parse(Argument("--warm-up-seconds", "30"), CultureInfo.InvariantCulture);
var pin = OperatingSystem.IsLinux() && Argument("--pin", File.Exists("/usr/bin/taskset") && Environment.ProcessorCount >= 2 ? "on" : "off") == "on";
string? nodeCores = null;
if (pin && OperatingSystem.IsLinux())
{
    // Before any thread of the broker or Garnet starts, so that they and every child (wrk, nginx) inherit core 0.
    Process.GetCurrentProcess().ProcessorAffinity = 1;
    nodeCores = Environment.ProcessorCount == 2 ? "1" : $"1-{Environment.ProcessorCount - 1}";
}
var coreSharing = pin
    ? $"pinned: this process (load generator, embedded broker, Garnet; wrk and nginx inherit it) on core 0, serving nodes on cores {nodeCores}"
    : $"unpinned: everything shares the {Environment.ProcessorCount} cores";
const string Model = "flights-delay";
const string Challenger = "flights-delay-b";

LibrdkafkaLoader.EnsureInstalled();
using var kafka = new EmbeddedKafkaCluster();
await kafka.EnsureTopicsAsync(Topics.All(), CancellationToken.None);
var externalRedis = Argument("--redis", "");
using var garnet = externalRedis == "" ? new EmbeddedGarnet(memory: "512m") : null;
var redisEndpoint = garnet?.Endpoint ?? externalRedis;
var redisOptions = ConfigurationOptions.Parse(redisEndpoint + ",allowAdmin=true");
redisOptions.SocketManager = SocketManager.ThreadPool; // as the serving node's multiplexer
using var redis = await ConnectionMultiplexer.ConnectAsync(redisOptions);
await redis.GetServers()[0].FlushDatabaseAsync(); // a previous run's versions would outrank this run's
var store = new RedisModelStore(redis);
using var announcer = new ProducerBuilder<string?, byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build();

// The model: the demo's learner spec, trained on the departures of the data file.
Console.WriteLine($"Training on {data} ...");
var examples = new List<TrainingExample>();
await foreach (var example in FlightTrainingExamples.ReadAsync(data, 60_000, CancellationToken.None)) examples.Add(example);
var spec = new LearnerSpec { Bits = 18, Optimizer = "ftrl", FtrlAlpha = 0.1, L1 = 0.5, L2 = 1.0, TargetThreshold = 15 };
var model = new OnlineModel(spec);
foreach (var example in examples.Take(40_000)) model.Process(example);
long version = 0;
await PublishAsync(NextSnapshot());
// The rollouts' challenger: the same spec, trained on other departures.
var challenger = new OnlineModel(spec);
foreach (var example in examples.Skip(20_000).Take(40_000)) challenger.Process(example);
await PublishAsync(OnlineSnapshot.Of(challenger, Challenger, 1, DateTimeOffset.UtcNow, new Dictionary<int, long>()));

// Online features for every entity the requests name, fresh as of one minute before the requests' time.
var asOf = examples.Max(e => e.Time) + TimeSpan.FromMinutes(1);
var departures = new List<EntityEvent>();
await foreach (var record in new FlightsReplaySource(data, 5_000).ReadAsync(CancellationToken.None))
    if (record.Stream == Streaming.Ingest.IngestStream.Events) departures.Add(JsonSerializer.Deserialize(record.Utf8, ContractsJsonContext.Default.EntityEvent)!);
// As the pipeline stores them: one tile per (view, entity), here of three values a minute before the requests.
var writes = new List<TileWrite>();
foreach (var view in FlightFeatureViews.All)
    foreach (var entity in departures.Select(d => d.Keys[view.Entity]).Distinct())
    {
        var tile = new EntityTile();
        foreach (var value in new[] { 3.0, 4.0, 5.0 }) tile.Add(view, value, (asOf - TimeSpan.FromMinutes(1)).ToUnixTimeMilliseconds(), 0);
        writes.Add(TileWrite.Of(view, entity, new SourcePartition(Topics.Events, 0), tile));
    }
await new RedisTileStore(redis).WriteAsync("serving-benchmark", writes, new Dictionary<SourcePartition, PartitionProgress>());
var bodies = departures.Select(d => JsonSerializer.Serialize(new Dictionary<string, object>
{
    ["keys"] = d.Keys,
    ["fields"] = new Dictionary<string, double> { ["distance"] = d.Fields!["distance"].Number },
    ["time"] = asOf,
})).ToList();
Console.WriteLine($"{writes.Count:N0} feature hashes for {departures.Count:N0} request bodies; model {Model} v{version} ({1 << spec.Bits:N0} slots); {Environment.ProcessorCount} cores");

// Floors, in this process.
var ping = Measure(20_000, () => redis.GetDatabase().Ping());
var sampleKeys = departures[0].Keys;
var featureRead = Measure(20_000, () =>
{
    var read = redis.GetDatabase().CreateBatch();
    var reads = FlightFeatureViews.All.Select(v => read.HashGetAllAsync(OnlineKeys.For(v.Name, sampleKeys[v.Entity]))).ToArray();
    read.Execute();
    Task.WaitAll(reads);
});
var device = new ExecutionDevice(new ServingOptions { Device = ExecutionDeviceChoice.Cpu }, Microsoft.Extensions.Logging.Abstractions.NullLogger<ExecutionDevice>.Instance);
using var scorer = new OnnxLinearScorer(LinearModelOnnx.Export(model.Learner, Model, version), device);
var row = new SparseVector();
model.Learner.Hasher.Hash(examples[0].Features, row);
var scores = new double[1];
var onnx = Measure(100_000, () => scorer.Score([row], model.Learner.Hasher.BiasSlot, scores));

var serverSettings = new[]
{
    "--Kafka:BootstrapServers=" + kafka.BootstrapServers, "--Redis:Configuration=" + redisEndpoint,
    "--Serving:Device=auto", "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Streaming.Serving.Models=Information",
    "--Serving:Models:0=" + Challenger,
};
await using var server = await ServerProcess.StartAsync(FreePort(), serverSettings, nodeCores);
var loadKind = Argument("--load", WrkLoad.Available ? "wrk" : "http");
ILoad LoadFor(Uri address, IReadOnlyList<string>? posted, string path) => loadKind == "wrk"
    ? new WrkLoad(address, posted, path)
    : new LoadGenerator(address, posted, path);
var predictPath = $"/v1/models/{Model}/predict";
var load = LoadFor(server.Address, bodies, predictPath);
// Long enough for tiered compilation to settle, in 5 s windows so that the log shows it: the node's throughput climbs
// while its methods reach tier 1 (within about 20 s here since the host's runtimeconfig sets no call-counting delay;
// it took about 50 s on one core before).
Console.WriteLine($"Warming up the server ({warmUpSeconds} s) ...");
using var nodeMetrics = new HttpClient { BaseAddress = server.Address };
var runtime = new RuntimeGauges(nodeMetrics);
for (var elapsed = 0.0; elapsed < warmUpSeconds; elapsed += 5)
{
    var window = await load.RunAsync(8, TimeSpan.FromSeconds(Math.Min(5, warmUpSeconds - elapsed)));
    Console.WriteLine($"  warm-up {elapsed + 5,4:F0} s: {window.Qps,7:N0} QPS  {window.Summary()}  {await runtime.ReadAsync()}");
}

Console.WriteLine();
Console.WriteLine($"load: {load.Name}; {coreSharing}");
Console.WriteLine($"{"what",-44} {"QPS",9}  latency");
Console.WriteLine($"{"floor: Redis PING",-44} {"",9}  {ping.Summary()}");
Console.WriteLine($"{"floor: Redis 4 × HGETALL pipelined",-44} {"",9}  {featureRead.Summary()}");
Console.WriteLine($"{"floor: ONNX Runtime call (1 row)",-44} {"",9}  {onnx.Summary()}");
// The HTTP floor: the node's liveness endpoint (no work behind it) through the same load generator, one
// request at a time, so no queueing: what Kestrel, loopback and scheduling on these cores cost alone.
var healthLoad = LoadFor(server.Address, null, "/healthz");
await healthLoad.RunAsync(1, TimeSpan.FromSeconds(2)); // its first calls compile: one stall weighs heavily in wrk's tail (see WrkLoad)
var httpFloor = await healthLoad.RunAsync(1, TimeSpan.FromSeconds(seconds));
Console.WriteLine($"{"floor: HTTP GET /healthz, 1 connection",-44} {httpFloor.Qps,9:N0}  {httpFloor.Summary()}");
var steady = new Dictionary<int, LoadResult>();
var inServer = new Dictionary<int, (double P50, double P99)>();
await RunSteadyAsync(server, load, "", steady, inServer);

// Swaps: the steady setting that reached 10k QPS with the fewest connections (else the busiest) again, while a
// new version is published every second.
var busiest = steady.Where(s => s.Value.Qps >= 10_000).Select(s => s.Key).DefaultIfEmpty(steady.MaxBy(s => s.Value.Qps).Key).Min();
// The versions swapped in are trained and serialized before the phase (a learner does that on its own cores);
// during it each is written to the store and announced once a second, and the node fetches, loads, warms and
// swaps it in: the serving side of a swap, beside the steady load.
var upcoming = new Queue<OnlineSnapshot>();
for (var next = 40_000; upcoming.Count < swapRuns * ((int)Math.Ceiling(swapSeconds) + 2); next = next + 500 >= examples.Count ? 40_000 : next + 500)
{
    foreach (var example in examples.Skip(next).Take(500)) model.Process(example);
    upcoming.Enqueue(NextSnapshot());
}
GC.Collect(); // the prepared versions' garbage is this process's to collect now, not during the reference
// The reference is the same load without swaps just before and just after, as long as the swap phase: on
// shared cores the tail drifts over a run by more than the 1.2× the target allows. The whole trio runs --swap-runs
// times and the median ratio is the figure: one run reads anywhere from about 1.05× to 2.2× here.
var serverHistogram = new ServerHistogram(nodeMetrics);
static string InServer(SortedDictionary<double, double> from, SortedDictionary<double, double> to) => string.Create(CultureInfo.InvariantCulture,
    $"in server p99 ≤ {ServerHistogram.PercentileMicros(from, to, 99):F0} µs, p99.9 ≤ {ServerHistogram.PercentileMicros(from, to, 99.9):F0} µs");
var swapTrios = new List<(LoadResult Before, LoadResult Swapped, LoadResult After, int Published)>();
for (var run = 0; run < swapRuns; run++)
{
    await runtime.ReadAsync(); // the node's GCs and CPU per phase from here
    var histogramAtStart = await serverHistogram.ReadAsync("predict");
    var before = await load.RunAsync(busiest, TimeSpan.FromSeconds(swapSeconds));
    var beforeRuntime = await runtime.ReadAsync();
    var histogramBeforeSwaps = await serverHistogram.ReadAsync("predict");
    var publishedInRun = 0;
    using var stopPublishing = new CancellationTokenSource();
    var publishing = Task.Run(async () =>
    {
        try
        {
            for (var i = 0; i < (int)Math.Ceiling(swapSeconds) + 2 && upcoming.TryDequeue(out var snapshot); i++)
            {
                await Task.Delay(1000, stopPublishing.Token);
                await PublishAsync(snapshot);
                publishedInRun++;
            }
        }
        catch (OperationCanceledException)
        {
            // the load phase ended
        }
    });
    var swappedRun = await load.RunAsync(busiest, TimeSpan.FromSeconds(swapSeconds));
    var swappedRuntime = await runtime.ReadAsync();
    var histogramAfterSwaps = await serverHistogram.ReadAsync("predict");
    await stopPublishing.CancelAsync();
    await publishing;
    var after = await load.RunAsync(busiest, TimeSpan.FromSeconds(swapSeconds));
    var afterRuntime = await runtime.ReadAsync();
    var histogramAtEnd = await serverHistogram.ReadAsync("predict");
    swapTrios.Add((before, swappedRun, after, publishedInRun));
    Console.WriteLine($"{$"predict, {busiest} connections, before swaps ({run + 1})",-44} {before.Qps,9:N0}  {before.Summary()}  errors {before.Errors}  {beforeRuntime}  {InServer(histogramAtStart, histogramBeforeSwaps)}");
    Console.WriteLine($"{$"predict, {busiest} connections, swaps ({run + 1})",-44} {swappedRun.Qps,9:N0}  {swappedRun.Summary()}  errors {swappedRun.Errors}  {swappedRuntime}  {InServer(histogramBeforeSwaps, histogramAfterSwaps)}  ({publishedInRun} versions published)");
    Console.WriteLine($"{$"predict, {busiest} connections, after swaps ({run + 1})",-44} {after.Qps,9:N0}  {after.Summary()}  errors {after.Errors}  {afterRuntime}  {InServer(histogramAfterSwaps, histogramAtEnd)}");
    Console.WriteLine($"  swap p99 / steady p99 before and after: {swappedRun.P99 / ((before.P99 + after.P99) / 2):F2}");
}
foreach (var (error, count) in steady.Values.Concat(swapTrios.SelectMany(t => new[] { t.Before, t.Swapped, t.After })).SelectMany(r => r.ErrorSamples)) Console.WriteLine($"  error ×{count}: {error}");
var swapRatios = swapTrios.Select(t => t.Swapped.P99 / ((t.Before.P99 + t.After.P99) / 2)).ToList();
var p99Ratio = swapRatios.Order().ElementAt(swapRatios.Count / 2);
var medianTrio = swapTrios[swapRatios.IndexOf(p99Ratio)];
var swapped = medianTrio.Swapped;
var published = swapTrios.Sum(t => t.Published);
var swapErrors = swapTrios.Sum(t => t.Swapped.Errors);
Console.WriteLine($"  median of {swapRuns} swap runs: {p99Ratio:F2}× (runs: {string.Join(", ", swapRatios.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))})");

var atTenThousand = steady[busiest];

// Against the floor at the same QPS: predictions and GET /healthz, both paced at half the busiest steady rate on its
// connections (below saturation, where queueing would measure the load rather than the node), by the same generator.
var pacedQps = Math.Round(atTenThousand.Qps / 2);
var pacedPredict = new PacedLoad(server.Address, bodies, predictPath);
var pacedHealth = new PacedLoad(server.Address, null, "/healthz");
await pacedHealth.RunAsync(busiest, pacedQps, TimeSpan.FromSeconds(2));
var samePredict = await pacedPredict.RunAsync(busiest, pacedQps, TimeSpan.FromSeconds(seconds));
var sameFloor = await pacedHealth.RunAsync(busiest, pacedQps, TimeSpan.FromSeconds(seconds));
Console.WriteLine($"{$"predict, {busiest} connections, paced",-44} {samePredict.Qps,9:N0}  {samePredict.Summary()}  errors {samePredict.Errors}");
Console.WriteLine($"{$"floor: GET /healthz, {busiest} connections, paced",-44} {sameFloor.Qps,9:N0}  {sameFloor.Summary()}  errors {sameFloor.Errors}");
Console.WriteLine($"  at the same QPS: predict p99 {samePredict.P99 / sameFloor.P99:F2}× the floor's (target 1.5×)");

// Rollouts: the routing cost per request, at a load below saturation. Each mode runs twice (plain, A/B, shadow, then shadow, A/B, plain) and its p99s
// are averaged, so that the drift of shared cores over the phase weighs on each mode alike.
var rollouts = new Streaming.Serving.Rollouts.RolloutStore(redis);
var modes = new (string Name, Rollout? Rollout)[]
{
    ("plain", null),
    ("ab", new Rollout(Rollout.AB, [new RolloutArm(Challenger, 50)], StickyKey: "origin")),
    ("shadow", new Rollout(Rollout.Shadow, [new RolloutArm(Challenger)])),
};
var rolloutRuns = modes.ToDictionary(m => m.Name, _ => new List<LoadResult>());
foreach (var (name, rollout) in modes.Concat(modes.Reverse()))
{
    if (rollout is null) await rollouts.DeleteAsync(Model, CancellationToken.None);
    else await rollouts.SetAsync(Model, rollout with { Since = DateTimeOffset.UtcNow }, CancellationToken.None);
    await Task.Delay(2_500); // the node reads rollouts every Serving:PinPollInterval (1 s)
    var result = await load.RunAsync(rolloutConnections, TimeSpan.FromSeconds(seconds));
    rolloutRuns[name].Add(result);
    Console.WriteLine($"{$"predict, {rolloutConnections} connections, rollout {name}",-44} {result.Qps,9:N0}  {result.Summary()}  errors {result.Errors}");
}
await rollouts.DeleteAsync(Model, CancellationToken.None);
double MeanP99(string mode) => Math.Round(rolloutRuns[mode].Average(r => r.P99));

// The same steady load on a node that micro-batches concurrent single predictions (Serving:MicroBatch), beside
// the node above that predicts each on its own.
var batchedSteady = new Dictionary<int, LoadResult>();
var batchedInServer = new Dictionary<int, (double P50, double P99)>();
double batchedRowsPerCall = 0;
if (microBatchRows > 1)
{
    await using var batchedServer = await ServerProcess.StartAsync(FreePort(), [.. serverSettings, $"--Serving:MicroBatch:MaxRows={microBatchRows}"], nodeCores);
    var batchedLoad = LoadFor(batchedServer.Address, bodies, predictPath);
    await batchedLoad.RunAsync(8, TimeSpan.FromSeconds(3));
    batchedRowsPerCall = await RunSteadyAsync(batchedServer, batchedLoad, $", micro-batched ≤ {microBatchRows}", batchedSteady, batchedInServer);
    Console.WriteLine($"  micro-batched: {batchedRowsPerCall:F2} rows per model call on average");
}
// Balanced: two nodes behind the shipped balancer, at the swaps' connection count, beside the one node alone.
LoadResult? balanced = null, balancedFloor = null;
if (NginxBalancer.Executable is null) Console.WriteLine("balanced: not measured (nginx is not installed: apt-get install -y nginx)");
else
{
    await using var second = await ServerProcess.StartAsync(FreePort(), serverSettings, nodeCores);
    await using var balancer = NginxBalancer.Start([server.Address.Port, second.Address.Port], FreePort(), Console.Error.WriteLine);
    await balancer.WaitUntilListeningAsync(TimeSpan.FromSeconds(10)); // wrk gives up on a refused connection
    var viaBalancer = LoadFor(balancer.Address, bodies, predictPath);
    await viaBalancer.RunAsync(8, TimeSpan.FromSeconds(3)); // warms the second node
    var balancedHealth = LoadFor(balancer.Address, null, "/healthz");
    await balancedHealth.RunAsync(1, TimeSpan.FromSeconds(2));
    balancedFloor = await balancedHealth.RunAsync(1, TimeSpan.FromSeconds(seconds));
    balanced = await viaBalancer.RunAsync(busiest, TimeSpan.FromSeconds(seconds));
    Console.WriteLine($"{"floor: HTTP GET /healthz via nginx, 1 conn.",-44} {balancedFloor.Qps,9:N0}  {balancedFloor.Summary()}");
    Console.WriteLine($"{$"predict, {busiest} connections, 2 nodes via nginx",-44} {balanced.Qps,9:N0}  {balanced.Summary()}  errors {balanced.Errors}");
    Console.WriteLine($"  (1 node direct at {busiest} connections: {atTenThousand.Qps:N0} QPS, p99 {atTenThousand.P99:F0} µs; {coreSharing})");
}

Console.WriteLine();
Console.WriteLine($"targets (2 cores): p99 ≤ 1 ms at 10k QPS — {atTenThousand.Qps:N0} QPS at {busiest} connections, p99 {atTenThousand.P99:F0} µs: " +
    (atTenThousand.Qps >= 10_000 && atTenThousand.P99 <= 1000 ? "met" : "NOT met"));
Console.WriteLine($"                   swaps: 0 errors and p99 ≤ 1.2× steady (median of {swapRuns}) — {swapErrors} errors, p99 {p99Ratio:F2}× steady before and after: {(swapErrors == 0 && p99Ratio <= 1.2 ? "met" : "NOT met")}");
Console.WriteLine($"                   same QPS: predict p99 ≤ 1.5× GET /healthz p99 — {samePredict.P99 / sameFloor.P99:F2}× at {pacedQps:N0} QPS: {(samePredict.P99 <= 1.5 * sameFloor.P99 ? "met" : "NOT met")}");
Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
{
    ["benchmark"] = "serving",
    ["cores"] = Environment.ProcessorCount,
    ["device"] = "cpu",
    ["redis"] = garnet is null ? "external" : "garnet-embedded",
    ["load"] = loadKind,
    ["floor_redis_ping_p50_us"] = Math.Round(ping.PercentileMicros(50)),
    ["floor_redis_features_p50_us"] = Math.Round(featureRead.PercentileMicros(50)),
    ["floor_redis_features_p99_us"] = Math.Round(featureRead.PercentileMicros(99)),
    ["floor_onnx_p50_us"] = Math.Round(onnx.PercentileMicros(50), 1),
    ["floor_onnx_p99_us"] = Math.Round(onnx.PercentileMicros(99), 1),
    ["floor_http_p50_us"] = Math.Round(httpFloor.P50),
    ["floor_http_p99_us"] = Math.Round(httpFloor.P99),
    ["steady"] = Figures(steady, inServer),
    ["swap_connections"] = busiest,
    ["swap_versions_published"] = published,
    ["swap_qps"] = Math.Round(swapped.Qps),
    ["swap_p99_us"] = Math.Round(swapped.P99),
    ["swap_p999_us"] = Math.Round(swapped.P999),
    ["swap_errors"] = swapErrors,
    ["swap_runs"] = swapRuns,
    ["swap_ratios"] = swapRatios.Select(r => Math.Round(r, 2)).ToArray(),
    ["swap_before_p99_us"] = Math.Round(medianTrio.Before.P99),
    ["swap_after_p99_us"] = Math.Round(medianTrio.After.P99),
    ["pinned"] = pin,
    ["swap_p99_vs_steady"] = Math.Round(p99Ratio, 2),
    ["micro_batch_max_rows"] = microBatchRows,
    ["micro_batched_rows_per_call"] = Math.Round(batchedRowsPerCall, 2),
    ["micro_batched"] = Figures(batchedSteady, batchedInServer),
    ["rollout_connections"] = rolloutConnections,
    ["rollout_errors"] = rolloutRuns.Values.SelectMany(r => r).Sum(r => r.Errors),
    ["p99_us_plain"] = MeanP99("plain"),
    ["p99_us_ab"] = MeanP99("ab"),
    ["p99_us_shadow"] = MeanP99("shadow"),
    // The issue's names: one node direct, predictions against GET /healthz at the same paced QPS and connections.
    ["same_qps"] = pacedQps,
    ["p99_us"] = Math.Round(samePredict.P99),
    ["floor_p99_us"] = Math.Round(sameFloor.P99),
    ["p99_to_floor"] = Math.Round(samePredict.P99 / sameFloor.P99, 2),
    ["closed_loop_p99_us"] = Math.Round(atTenThousand.P99),
    ["closed_loop_floor_p99_us"] = Math.Round(httpFloor.P99),
    ["swap_p99_to_steady"] = Math.Round(p99Ratio, 2),
    ["balanced_nodes"] = balanced is null ? 0 : 2,
    ["balanced_qps"] = balanced is null ? null! : Math.Round(balanced.Qps),
    ["balanced_p99_us"] = balanced is null ? null! : Math.Round(balanced.P99),
    ["balanced_errors"] = balanced is null ? null! : balanced.Errors,
    ["balanced_floor_p99_us"] = balancedFloor is null ? null! : Math.Round(balancedFloor.P99),
    ["balanced_p99_to_floor"] = balanced is null || balancedFloor is null ? null! : Math.Round(balanced.P99 / balancedFloor.P99, 2),
}));
return 0;

// Steady load at each connection count, with the server's own histogram beside the client's; returns the
// server's mean rows per model call over the runs.
async Task<double> RunSteadyAsync(ServerProcess node, ILoad nodeLoad, string label, Dictionary<int, LoadResult> results, Dictionary<int, (double P50, double P99)> serverSide)
{
    using var metricsClient = new HttpClient { BaseAddress = node.Address };
    var serverHistogram = new ServerHistogram(metricsClient);
    var rowsBefore = await serverHistogram.ReadRowsPerCallAsync();
    foreach (var connections in connectionCounts)
    {
        var before = await serverHistogram.ReadAsync("predict");
        var result = results[connections] = await nodeLoad.RunAsync(connections, TimeSpan.FromSeconds(seconds));
        var after = await serverHistogram.ReadAsync("predict");
        serverSide[connections] = (ServerHistogram.PercentileMicros(before, after, 50), ServerHistogram.PercentileMicros(before, after, 99));
        Console.WriteLine($"{$"predict, {connections} connections{label}",-44} {result.Qps,9:N0}  {result.Summary()}  errors {result.Errors}" +
            $"   in server: p50 ≤ {serverSide[connections].P50:F0} µs, p99 ≤ {serverSide[connections].P99:F0} µs");
    }
    var rowsAfter = await serverHistogram.ReadRowsPerCallAsync();
    return (rowsAfter.Sum - rowsBefore.Sum) / Math.Max(1, rowsAfter.Count - rowsBefore.Count);
}

static Dictionary<string, Dictionary<string, double>> Figures(Dictionary<int, LoadResult> results, Dictionary<int, (double P50, double P99)> serverSide) =>
    results.ToDictionary(s => s.Key.ToString(CultureInfo.InvariantCulture), s => new Dictionary<string, double>
    {
        ["qps"] = Math.Round(s.Value.Qps),
        ["p50_us"] = Math.Round(s.Value.P50),
        ["p99_us"] = Math.Round(s.Value.P99),
        ["p999_us"] = Math.Round(s.Value.P999),
        ["errors"] = s.Value.Errors,
        ["in_server_p50_us_at_most"] = serverSide[s.Key].P50,
        ["in_server_p99_us_at_most"] = serverSide[s.Key].P99,
    });

OnlineSnapshot NextSnapshot() => OnlineSnapshot.Of(model, Model, ++version, DateTimeOffset.UtcNow, new Dictionary<int, long>());

async Task PublishAsync(OnlineSnapshot snapshot)
{
    await snapshot.SaveAsync(store, CancellationToken.None);
    await announcer.ProduceAsync(Topics.ModelSnapshots, SnapshotAnnouncement.For(snapshot.Manifest));
}

static Latencies Measure(int calls, Action call)
{
    for (var i = 0; i < Math.Min(2_000, calls / 10); i++) call(); // warm-up
    var latencies = new Latencies();
    for (var i = 0; i < calls; i++)
    {
        var started = Stopwatch.GetTimestamp();
        call();
        latencies.Add(Stopwatch.GetTimestamp() - started);
    }
    return latencies;
}

static int FreePort()
{
    using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
    listener.Start();
    return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
}

string Argument(string name, string fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
}
