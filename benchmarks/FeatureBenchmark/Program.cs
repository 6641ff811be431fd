using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;
using Streaming.Contracts;
using Streaming.FeatureStore;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Streams;
using Streaming.Host.Commands;
using Streaming.Host.Web;
using Streaming.Ingest.Replay;
using Streaming.Platform.Kafka;
using Streaming.Platform.Redis;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.Stream;

// Feature pipeline throughput and freshness: departures from the events topic into Redis, beside the raw
// consume rate of the same broker in the same run. Options: --data <flights parquet> --events N
// --load-seconds S, then any --Features:* / --Kafka:* setting. Embedded Kafka and Garnet unless
// --Kafka:BootstrapServers / --Redis:Configuration name real ones.
var data = Option("--data", DemoCommand.DefaultDataPath);
var events = int.Parse(Option("--events", "20000"), CultureInfo.InvariantCulture);
var loadSeconds = double.Parse(Option("--load-seconds", "10"), CultureInfo.InvariantCulture);
var settings = args.Where(a => a.StartsWith("--Features:", StringComparison.Ordinal) || a.StartsWith("--Kafka:", StringComparison.Ordinal) || a.StartsWith("--Redis:", StringComparison.Ordinal)).ToList();

Console.WriteLine($"Reading {events:N0} departures (and {events / 2:N0} more for the load phase) from {Path.GetFullPath(data)}");
var departures = await Departures(data, events + events / 2);
// Embedded Kafka unless the settings name a broker; Garnet unless they name a Redis (the later setting wins).
using var embedded = settings.Any(s => s.StartsWith("--Kafka:BootstrapServers=", StringComparison.Ordinal)) ? null : new EmbeddedKafkaCluster();
using var garnet = new EmbeddedGarnet();
string[] hostSettings =
[
    .. embedded is null ? Array.Empty<string>() : [$"--Kafka:BootstrapServers={embedded.BootstrapServers}"], $"--Redis:Configuration={garnet.Endpoint}",
    "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning", .. settings,
];
await using var app = StreamingWebApp.Build(hostSettings, "http://127.0.0.1:0", HostParts.Features);
var configs = app.Services.GetRequiredService<KafkaClientConfigs>();
var featureOptions = app.Services.GetRequiredService<FeatureStoreOptions>();
var kafkaOptions = app.Services.GetRequiredService<KafkaOptions>();
var partitions = kafkaOptions.StreamPartitions;
const string OneHop = "bench-one-hop";
// Every topic up front: the embedded broker creates them only through its mock API, a real one through the admin API.
var topology = new TopologySettings(FlightFeatureViews.Set, featureOptions.JoinHorizon, featureOptions.SkewAllowance, partitions, featureOptions.Watermarks);
IKafkaCluster cluster = embedded ?? app.Services.GetRequiredService<IKafkaCluster>();
await cluster.EnsureTopicsAsync(
    [.. Topics.All(partitions), .. FeatureTopology.InternalTopics(featureOptions.ApplicationId, topology), new TopicSpec($"{OneHop}-by-origin-repartition", partitions)],
    CancellationToken.None);

// 1. The backlog, then the ceiling: a bare consumer reading it (from where it begins: a real broker may hold earlier
// runs, and so may the applications' groups, which start there too).
var backlogStart = EndOffsets(configs, [Topics.Events], partitions);
CommitStart(configs, "bench-pass-through", backlogStart);
CommitStart(configs, OneHop, [.. backlogStart, .. EndOffsets(configs, [$"{OneHop}-by-origin-repartition"], partitions)]);
CommitStart(configs, featureOptions.ApplicationId,
[
    .. backlogStart,
    .. EndOffsets(configs, [Topics.Labels, Topics.Predictions, .. FeatureTopology.InternalTopics(featureOptions.ApplicationId, topology)
        .Select(t => t.Name).Where(t => t.EndsWith("-repartition", StringComparison.Ordinal))], partitions),
]);
Produce(configs, departures.Take(events), partitions);
var raw = RawConsume(configs, backlogStart, events);
Console.WriteLine($"raw consume            {raw,12:N0} events/s");

// 2. What Streamiz itself costs, with the pipeline's settings, through the same backlog: reading and counting each
// event; and the least any view keyed by something other than the source's key needs: parse, re-key, one repartition.
var passThrough = await StreamizReference("bench-pass-through",
    (builder, seen) => builder.Stream<string, byte[]>(Topics.Events).Foreach((_, _, _) => seen()),
    featureOptions, kafkaOptions, configs.BootstrapServers, events);
Console.WriteLine($"Streamiz pass-through  {passThrough,12:N0} events/s  ({passThrough / raw:P0} of raw consume; source → count)");
var oneHop = await StreamizReference(OneHop,
    (builder, seen) => builder.Stream<string, byte[]>(Topics.Events)
        .SelectKey((_, raw, context) => SourceRecord.Parse(Topics.Events, raw, context.Timestamp).Event?.Keys.GetValueOrDefault("origin") ?? "")
        .Repartition(Repartitioned<string, byte[]>.As("by-origin").WithKeySerdes(new StringSerDes()).WithValueSerdes(new ByteArraySerDes()))
        .Foreach((_, _, _) => seen()),
    featureOptions, kafkaOptions, configs.BootstrapServers, events);
Console.WriteLine($"Streamiz one hop       {oneHop,12:N0} events/s  ({oneHop / raw:P0} of raw consume; source → parse, key by origin → repartition → count)");

// 3. The pipeline through the same backlog: from RUNNING until every event is in its views and in Redis.
var writtenBefore = RecordsByKind(configs);
await app.StartAsync();
var features = app.Services.GetRequiredService<FeatureStoreService>();
var metrics = app.Services.GetRequiredService<FeatureMetrics>();
// Done with an event once both its views either aggregated it or dead-lettered it as late, and the last of it is in Redis.
double Handled(string view) => metrics.Aggregated.WithLabels(view).Value + metrics.LateRecords.WithLabels(view).Value;
var writer = app.Services.GetRequiredService<Streaming.FeatureStore.Online.RedisOnlineStoreWriter>();
while (!features.IsRunning) await Task.Delay(10);
var pipeline = await Rate("the feature pipeline", () => Math.Min(Handled("origin_departures_1h"), Handled("destination_inbound_1h")), events,
    drained: () => features.Backlog() == 0 && writer.Pending == 0);
var late = metrics.LateRecords.WithLabels("origin_departures_1h").Value;
Console.WriteLine($"feature pipeline       {pipeline,12:N0} events/s  ({pipeline / raw:P1} of raw consume; each departure feeds 2 views and probes all 4)");
if (late > 0) Console.WriteLine($"  {late:N0} events arrived behind other partitions by more than the skew allowance and were dead-lettered (raise --Features:SkewAllowance)");
// Why the pipeline is a small fraction of a bare consumer: every departure becomes many records on the broker.
var written = RecordsByKind(configs).ToDictionary(k => k.Key, k => k.Value - writtenBefore.GetValueOrDefault(k.Key));
var perDeparture = written.Where(k => k.Key != "source").Sum(k => k.Value) / (double)events;
Console.WriteLine($"  records the pipeline wrote to the broker per departure: {perDeparture:N1} ({string.Join(", ", written.Where(k => k.Key != "source").Select(k => $"{k.Key} {k.Value / (double)events:N1}"))})");

// 4. Freshness at half the measured maximum: paced departures, ingest time to visible in Redis.
var registry = app.Services.GetRequiredService<CollectorRegistry>();
var before = await Snapshot(registry);
var rate = pipeline / 2;
var load = departures.Skip(events).Take((int)Math.Min(events / 2, rate * loadSeconds)).ToList();
await ProducePaced(configs, load, rate, partitions);
while (features.Backlog() > 0) await Task.Delay(10);
await Task.Delay(500);
var after = await Snapshot(registry);
var (p50, p95, p99) = (Quantile(before, after, 0.50), Quantile(before, after, 0.95), Quantile(before, after, 0.99));
Console.WriteLine($"freshness at {rate:N0}/s  p50 ≤ {p50 * 1000:N1} ms  p95 ≤ {p95 * 1000:N1} ms  p99 ≤ {p99 * 1000:N1} ms  ({load.Count:N0} departures; histogram bucket bounds)");
await app.StopAsync();

Console.WriteLine(JsonSerializer.Serialize(new
{
    benchmark = "features",
    events,
    raw_consume_per_s = Math.Round(raw),
    pipeline_events_per_s = Math.Round(pipeline),
    ratio_to_raw = Math.Round(pipeline / raw, 3),
    streamiz_pass_through_per_s = Math.Round(passThrough),
    streamiz_one_hop_per_s = Math.Round(oneHop),
    ratio_to_one_hop = Math.Round(pipeline / oneHop, 3),
    late_dead_lettered = late,
    broker_records_per_departure = Math.Round(perDeparture, 1),
    load_events_per_s = Math.Round(rate),
    freshness_p50_ms = p50 * 1000,
    freshness_p95_ms = p95 * 1000,
    freshness_p99_ms = p99 * 1000,
}));
return 0;

string Option(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

static async Task<List<byte[]>> Departures(string path, int count)
{
    var list = new List<byte[]>(count);
    long index = 0;
    await foreach (var row in new FlightsReplaySource(path, count).ReadRowsAsync(CancellationToken.None))
    {
        var (departure, _) = FlightsReplaySource.ToRecords(row, index++);
        list.Add(JsonSerializer.SerializeToUtf8Bytes(departure, ContractsJsonContext.Default.EntityEvent));
    }
    return list;
}

static IProducer<Null, byte[]> Producer(KafkaClientConfigs configs)
{
    var config = configs.Producer();
    config.LingerMs = 2;
    return new ProducerBuilder<Null, byte[]>(config).Build();
}

static void Produce(KafkaClientConfigs configs, IEnumerable<byte[]> values, int partitions)
{
    using var producer = Producer(configs);
    var partition = 0;
    foreach (var value in values) producer.Produce(new TopicPartition(Topics.Events, partition++ % partitions), new Message<Null, byte[]> { Value = value });
    producer.Flush();
}

static async Task ProducePaced(KafkaClientConfigs configs, List<byte[]> values, double perSecond, int partitions)
{
    using var producer = Producer(configs);
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < values.Count; i++)
    {
        var due = TimeSpan.FromSeconds(i / perSecond);
        if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
        producer.Produce(new TopicPartition(Topics.Events, i % partitions), new Message<Null, byte[]> { Value = values[i] });
    }
    producer.Flush();
}

// Where each partition of the topics ends now: the next record written there will have this offset.
static List<TopicPartitionOffset> EndOffsets(KafkaClientConfigs configs, IEnumerable<string> topics, int partitions)
{
    using var consumer = new ConsumerBuilder<Ignore, Ignore>(configs.Consumer("bench-offsets")).Build();
    return [.. topics.SelectMany(topic => Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)))
        .Select(tp => new TopicPartitionOffset(tp, consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).High))];
}

// Records in every topic, by kind: the events source, repartition hops, store changelogs, the rest (outputs).
static Dictionary<string, long> RecordsByKind(KafkaClientConfigs configs)
{
    using var admin = new AdminClientBuilder(configs.Admin()).Build();
    return admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics
        .Where(t => !t.Topic.StartsWith("__", StringComparison.Ordinal)) // a real broker's own, e.g. the committed offsets
        .GroupBy(t => t.Topic == Topics.Events ? "source" : t.Topic.EndsWith("-repartition", StringComparison.Ordinal) ? "repartition" : t.Topic.EndsWith("-changelog", StringComparison.Ordinal) ? "changelog" : "outputs")
        .ToDictionary(g => g.Key, g => g.Sum(t => TopicOffsets.EndOffsetTotal(configs, t.Topic, TimeSpan.FromSeconds(5))));
}

static double RawConsume(KafkaClientConfigs configs, List<TopicPartitionOffset> from, int count)
{
    var config = configs.Consumer("bench-raw");
    config.EnableAutoCommit = false;
    using var consumer = new ConsumerBuilder<Ignore, byte[]>(config).Build();
    consumer.Assign(from);
    var clock = Stopwatch.StartNew();
    for (var consumed = 0; consumed < count; consumed++)
        _ = consumer.Consume(TimeSpan.FromSeconds(10)) ?? throw new TimeoutException($"Raw consumer stalled at {consumed:N0} of {count:N0}.");
    return count / clock.Elapsed.TotalSeconds;
}

// Records/s from now until `done` (the records through so far) reaches `count` and `drained`, if given, holds.
static async Task<double> Rate(string what, Func<double> done, int count, Func<bool>? drained = null)
{
    var clock = Stopwatch.StartNew();
    while (done() < count || (drained is not null && !drained()))
    {
        if (clock.Elapsed > TimeSpan.FromMinutes(3)) throw new TimeoutException($"{what} stalled at {done():N0} of {count:N0}.");
        await Task.Delay(1);
    }
    return count / clock.Elapsed.TotalSeconds;
}

// Commits, for an application's consumer group, the offsets it would hold had it been running when the backlog began:
// the backlog's start in the events topic, the ends of the other topics it reads. Every consumer in this run starts
// from offsets so: the embedded broker takes about half a second to tell a consumer without one where a partition
// begins, longer than a bare consumer takes for the whole backlog.
static void CommitStart(KafkaClientConfigs configs, string groupId, List<TopicPartitionOffset> offsets)
{
    var config = configs.Consumer(groupId);
    config.EnableAutoCommit = false;
    using var consumer = new ConsumerBuilder<Ignore, Ignore>(config).Build();
    consumer.Commit(offsets);
}

// Events/s through a Streamiz application (the pipeline's settings, its own application id): `count` records through
// the topology that `build` makes, which reports each at its end through its argument.
static async Task<double> StreamizReference(string applicationId, Action<StreamBuilder, Action> build, FeatureStoreOptions options, KafkaOptions kafka, string bootstrap, int count)
{
    var stateDirectory = Directory.CreateTempSubdirectory("bench-reference-").FullName;
    var config = FeatureStreamConfig.Create(options, kafka, bootstrap, stateDirectory);
    config.ApplicationId = applicationId;
    var seen = 0L;
    var builder = new StreamBuilder();
    build(builder, () => Interlocked.Increment(ref seen));
    var stream = new KafkaStream(builder.Build(), config);
    var running = new TaskCompletionSource();
    stream.StateChanged += (_, state) => { if (state == KafkaStream.State.RUNNING) running.TrySetResult(); };
    try
    {
        await stream.StartAsync();
        await running.Task.WaitAsync(TimeSpan.FromMinutes(1));
        return await Rate(applicationId, () => Interlocked.Read(ref seen), count);
    }
    finally
    {
        stream.Dispose();
        Directory.Delete(stateDirectory, recursive: true);
    }
}

// Cumulative bucket counts of the freshness histogram over all views, read from the metrics text.
static async Task<Dictionary<double, double>> Snapshot(CollectorRegistry registry)
{
    using var text = new MemoryStream();
    await registry.CollectAndExportAsTextAsync(text);
    var counts = new Dictionary<double, double>();
    foreach (var line in System.Text.Encoding.UTF8.GetString(text.ToArray()).Split('\n'))
    {
        if (!line.StartsWith("streaming_features_freshness_seconds_bucket{", StringComparison.Ordinal)) continue;
        var le = line[(line.IndexOf("le=\"", StringComparison.Ordinal) + 4)..];
        le = le[..le.IndexOf('"')];
        var bound = le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture);
        counts[bound] = counts.GetValueOrDefault(bound) + double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }
    return counts;
}

// The upper bucket bound below which a share q of the observations between two snapshots fall.
static double Quantile(Dictionary<double, double> before, Dictionary<double, double> after, double q)
{
    var total = after[double.PositiveInfinity] - before.GetValueOrDefault(double.PositiveInfinity);
    foreach (var bound in after.Keys.Order())
        if (after[bound] - before.GetValueOrDefault(bound) >= q * total) return bound;
    return double.PositiveInfinity;
}
