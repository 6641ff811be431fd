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
using var kafka = new EmbeddedKafkaCluster();
using var garnet = new EmbeddedGarnet();
var bootstrap = settings.FirstOrDefault(s => s.StartsWith("--Kafka:BootstrapServers=", StringComparison.Ordinal))?.Split('=', 2)[1] ?? kafka.BootstrapServers;
var topology = new TopologySettings(FlightFeatureViews.Set, TimeSpan.FromDays(3), TimeSpan.FromDays(1), 4, WatermarkSettings.Default);
if (bootstrap == kafka.BootstrapServers)
    await kafka.EnsureTopicsAsync([.. Topics.All(4), .. FeatureTopology.InternalTopics("features", topology)], CancellationToken.None);

// 1. The backlog, then the ceiling: a bare consumer reading it.
Produce(bootstrap, departures.Take(events));
var raw = RawConsume(bootstrap, events);
Console.WriteLine($"raw consume            {raw,12:N0} events/s");

string[] hostSettings =
[
    $"--Kafka:BootstrapServers={bootstrap}", $"--Redis:Configuration={garnet.Endpoint}",
    "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning", .. settings,
];
await using var app = StreamingWebApp.Build(hostSettings, "http://127.0.0.1:0", HostParts.Features);

// 2. What Streamiz itself costs, with the pipeline's settings, through the same backlog: reading and counting each
// event; and the least any view keyed by something other than the source's key needs: parse, re-key, one repartition.
var featureOptions = app.Services.GetRequiredService<FeatureStoreOptions>();
var kafkaOptions = app.Services.GetRequiredService<KafkaOptions>();
var passThrough = await StreamizReference("bench-pass-through",
    (builder, seen) => builder.Stream<string, byte[]>(Topics.Events).Foreach((_, _, _) => seen()),
    featureOptions, kafkaOptions, bootstrap, events);
Console.WriteLine($"Streamiz pass-through  {passThrough,12:N0} events/s  ({passThrough / raw:P0} of raw consume; source → count)");
const string OneHop = "bench-one-hop";
if (bootstrap == kafka.BootstrapServers)
    await kafka.EnsureTopicsAsync([new TopicSpec($"{OneHop}-by-origin-repartition", 4)], CancellationToken.None);
var oneHop = await StreamizReference(OneHop,
    (builder, seen) => builder.Stream<string, byte[]>(Topics.Events)
        .SelectKey((_, raw, context) => SourceRecord.Parse(Topics.Events, raw, context.Timestamp).Event?.Keys.GetValueOrDefault("origin") ?? "")
        .Repartition(Repartitioned<string, byte[]>.As("by-origin").WithKeySerdes(new StringSerDes()).WithValueSerdes(new ByteArraySerDes()))
        .Foreach((_, _, _) => seen()),
    featureOptions, kafkaOptions, bootstrap, events);
Console.WriteLine($"Streamiz one hop       {oneHop,12:N0} events/s  ({oneHop / raw:P0} of raw consume; source → parse, key by origin → repartition → count)");

// 3. The pipeline through the same backlog: from RUNNING until every event is in its views and in Redis.
await app.StartAsync();
var features = app.Services.GetRequiredService<FeatureStoreService>();
var metrics = app.Services.GetRequiredService<FeatureMetrics>();
while (!features.IsRunning) await Task.Delay(10);
var clock = Stopwatch.StartNew();
// Done with an event once both its views either aggregated it or dead-lettered it as late.
double Handled(string view) => metrics.Aggregated.WithLabels(view).Value + metrics.LateRecords.WithLabels(view).Value;
while (Handled("origin_departures_1h") < events || Handled("destination_inbound_1h") < events)
{
    if (clock.Elapsed > TimeSpan.FromMinutes(3)) throw new TimeoutException($"Pipeline stalled at {Handled("origin_departures_1h"):N0} of {events:N0}.");
    await Task.Delay(5);
}
while (features.Backlog() > 0 || app.Services.GetRequiredService<Streaming.FeatureStore.Online.RedisOnlineStoreWriter>().Pending > 0) await Task.Delay(5);
var pipeline = events / clock.Elapsed.TotalSeconds;
var late = metrics.LateRecords.WithLabels("origin_departures_1h").Value;
Console.WriteLine($"feature pipeline       {pipeline,12:N0} events/s  ({pipeline / raw:P0} of raw consume; each departure feeds 2 views and probes all 4)");
if (late > 0) Console.WriteLine($"  {late:N0} events arrived behind other partitions by more than the skew allowance and were dead-lettered (raise --Features:SkewAllowance)");
// Why the pipeline is a small fraction of a bare consumer: every departure becomes many records on the broker.
var written = RecordsByKind(app.Services.GetRequiredService<KafkaClientConfigs>());
var perDeparture = written.Where(k => k.Key != "source").Sum(k => k.Value) / (double)events;
Console.WriteLine($"  records the pipeline wrote to the broker per departure: {perDeparture:N1} ({string.Join(", ", written.Where(k => k.Key != "source").Select(k => $"{k.Key} {k.Value / (double)events:N1}"))})");

// 4. Freshness at half the measured maximum: paced departures, ingest time to visible in Redis.
var registry = app.Services.GetRequiredService<CollectorRegistry>();
var before = await Snapshot(registry);
var rate = pipeline / 2;
var load = departures.Skip(events).Take((int)Math.Min(events / 2, rate * loadSeconds)).ToList();
await ProducePaced(bootstrap, load, rate);
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

static IProducer<Null, byte[]> Producer(string bootstrap) =>
    new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = bootstrap, LingerMs = 2 }).Build();

static void Produce(string bootstrap, IEnumerable<byte[]> values)
{
    using var producer = Producer(bootstrap);
    var partition = 0;
    foreach (var value in values) producer.Produce(new TopicPartition(Topics.Events, partition++ % 4), new Message<Null, byte[]> { Value = value });
    producer.Flush();
}

static async Task ProducePaced(string bootstrap, List<byte[]> values, double perSecond)
{
    using var producer = Producer(bootstrap);
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < values.Count; i++)
    {
        var due = TimeSpan.FromSeconds(i / perSecond);
        if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
        producer.Produce(new TopicPartition(Topics.Events, i % 4), new Message<Null, byte[]> { Value = values[i] });
    }
    producer.Flush();
}

// Records in every topic but the references' own, by kind: the events source, repartition hops, store changelogs, the rest (outputs).
static Dictionary<string, long> RecordsByKind(KafkaClientConfigs configs)
{
    using var admin = new AdminClientBuilder(configs.Admin()).Build();
    return admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics
        .Where(t => !t.Topic.StartsWith("bench-", StringComparison.Ordinal))
        .GroupBy(t => t.Topic == Topics.Events ? "source" : t.Topic.EndsWith("-repartition", StringComparison.Ordinal) ? "repartition" : t.Topic.EndsWith("-changelog", StringComparison.Ordinal) ? "changelog" : "outputs")
        .ToDictionary(g => g.Key, g => g.Sum(t => TopicOffsets.EndOffsetTotal(configs, t.Topic, TimeSpan.FromSeconds(5))));
}

static double RawConsume(string bootstrap, int count)
{
    using var consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig
    {
        BootstrapServers = bootstrap, GroupId = "bench-raw", AutoOffsetReset = AutoOffsetReset.Earliest, EnableAutoCommit = false,
    }).Build();
    consumer.Assign(Enumerable.Range(0, 4).Select(p => new TopicPartitionOffset(Topics.Events, p, Offset.Beginning)));
    var clock = Stopwatch.StartNew();
    for (var consumed = 0; consumed < count; consumed++)
        _ = consumer.Consume(TimeSpan.FromSeconds(10)) ?? throw new TimeoutException($"Raw consumer stalled at {consumed:N0} of {count:N0}.");
    return count / clock.Elapsed.TotalSeconds;
}

// Events/s through a Streamiz application (the pipeline's settings, its own application id), from RUNNING until
// `count` records reached the end of the topology that `build` makes; it reports each there through its argument.
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
        var clock = Stopwatch.StartNew();
        while (Interlocked.Read(ref seen) < count)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(3)) throw new TimeoutException($"{applicationId} stalled at {seen:N0} of {count:N0}.");
            await Task.Delay(1);
        }
        return count / clock.Elapsed.TotalSeconds;
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
