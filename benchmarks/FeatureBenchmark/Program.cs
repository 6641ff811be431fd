using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;
using Streaming.Contracts;
using Streaming.FeatureStore;
using Streaming.FeatureStore.Streams;
using Streaming.Host.Commands;
using Streaming.Host.Web;
using Streaming.Flights;
using Streaming.Platform.Kafka;
using Streaming.Platform.Redis;
using Streamiz.Kafka.Net;

// Feature pipeline throughput and freshness, beside references measured in the same run on the same backlog and broker:
// a bare consumer and a Streamiz pass-through (the pipeline's settings) reading the same records. The backlog is what the
// pipeline reads in production: departures, their prediction logs and their labels (naming the predictions), in arrival
// order. Options: --data <flights parquet> --events N (departures) --load-seconds S, then any --Features:* / --Kafka:*
// setting. Embedded Kafka and Garnet unless --Kafka:BootstrapServers / --Redis:Configuration name real ones.
var data = Option("--data", DemoCommand.DefaultDataPath);
var events = int.Parse(Option("--events", "20000"), CultureInfo.InvariantCulture);
var loadSeconds = double.Parse(Option("--load-seconds", "10"), CultureInfo.InvariantCulture);
var settings = args.Where(a => a.StartsWith("--Features:", StringComparison.Ordinal) || a.StartsWith("--Kafka:", StringComparison.Ordinal) || a.StartsWith("--Redis:", StringComparison.Ordinal)).ToList();
string[] sources = [Topics.Events, Topics.Labels, Topics.Predictions];

Console.WriteLine($"Reading {events:N0} departures (and {events / 2:N0} more for the load phase), their predictions and labels, from {Path.GetFullPath(data)}");
var (backlog, load) = await BacklogAsync(data, events, events / 2);
var inputs = backlog.Count;
var labels = backlog.Count(r => r.Topic == Topics.Labels);
var tileRecords = backlog.Count(r => r.Topic != Topics.Predictions);
Console.WriteLine($"backlog: {inputs:N0} records ({events:N0} departures, {inputs - events - labels:N0} prediction logs, {labels:N0} labels)");
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
// Every topic up front: the embedded broker creates them only through its mock API, a real one through the admin API.
IKafkaCluster cluster = embedded ?? app.Services.GetRequiredService<IKafkaCluster>();
await cluster.EnsureTopicsAsync([.. Topics.All(partitions), .. FeatureTopology.InternalTopics(featureOptions.ApplicationId, partitions)], CancellationToken.None);

// 1. The backlog, then the ceiling: a bare consumer reading it (from where it begins: a real broker may hold earlier
// runs, and so may the applications' groups, which start there too).
var backlogStart = EndOffsets(configs, sources, partitions);
CommitStart(configs, "bench-pass-through", backlogStart);
CommitStart(configs, featureOptions.ApplicationId, backlogStart);
Produce(configs, backlog);
var raw = RawConsume(configs, backlogStart, inputs);
Console.WriteLine($"raw consume            {raw,12:N0} records/s");

// 2. What Streamiz itself costs, with the pipeline's settings, through the same backlog: reading and counting each record.
var passThrough = await StreamizReference("bench-pass-through",
    (builder, seen) =>
    {
        foreach (var topic in sources) builder.Stream<string, byte[]>(topic).Foreach((_, _, _) => seen());
    },
    featureOptions, kafkaOptions, configs.BootstrapServers, inputs);
Console.WriteLine($"Streamiz pass-through  {passThrough,12:N0} records/s  ({passThrough / raw:P0} of raw consume; source → count)");

// 3. The pipeline through the same backlog: from RUNNING until every event and label is in Redis with its partition's
// progress, and every label has its training example.
var writtenBefore = RecordsByKind(configs);
await app.StartAsync();
var features = app.Services.GetRequiredService<FeatureStoreService>();
var metrics = app.Services.GetRequiredService<FeatureMetrics>();
double Stored() => metrics.Stored.WithLabels(Topics.Events).Value + metrics.Stored.WithLabels(Topics.Labels).Value;
while (!features.IsRunning) await Task.Delay(10);
var pipeline = await Rate("the feature pipeline", () => Math.Min(Stored() / tileRecords, metrics.ExamplesJoined.Value / labels) * inputs, inputs);
var late = metrics.LateRecords.GetAllLabelValues().Sum(l => metrics.LateRecords.WithLabels(l).Value);
Console.WriteLine($"feature pipeline       {pipeline,12:N0} records/s  ({pipeline / passThrough:P0} of the pass-through, {pipeline / raw:P0} of raw consume)");
// Every record of the backlog is valid: any dead letter, late or otherwise, is a valid record rejected.
var written = RecordsByKind(configs).ToDictionary(k => k.Key, k => k.Value - writtenBefore.GetValueOrDefault(k.Key));
var deadLettered = written.GetValueOrDefault(Topics.DeadLetter);
var examples = written.GetValueOrDefault(Topics.TrainingExamples);
var beyondExamples = written.Where(k => k.Key is not ("source" or Topics.TrainingExamples)).Sum(k => k.Value);
Console.WriteLine($"  broker writes per input record beyond the {examples:N0} training examples: {beyondExamples / (double)inputs:N2} " +
    $"({string.Join(", ", written.Where(k => k.Key != "source").Select(k => $"{k.Key} {k.Value:N0}"))})");
Console.WriteLine($"  valid records dead-lettered: {deadLettered:N0} ({late:N0} as late)");

// 4. Freshness at half the measured maximum: paced records, ingest time to visible in Redis.
var registry = app.Services.GetRequiredService<CollectorRegistry>();
var before = await Snapshot(registry);
var rate = pipeline / 2;
var paced = load.Take((int)Math.Min(load.Count, rate * loadSeconds)).ToList();
await ProducePaced(configs, paced, rate);
while (features.Backlog() > 0) await Task.Delay(10);
await Task.Delay(500);
var after = await Snapshot(registry);
var (p50, p95, p99) = (Quantile(before, after, 0.50), Quantile(before, after, 0.95), Quantile(before, after, 0.99));
Console.WriteLine($"freshness at {rate:N0}/s  p50 ≤ {p50 * 1000:N1} ms  p95 ≤ {p95 * 1000:N1} ms  p99 ≤ {p99 * 1000:N1} ms  ({paced.Count:N0} records; histogram bucket bounds)");
await app.StopAsync();

Console.WriteLine(JsonSerializer.Serialize(new
{
    benchmark = "features",
    input_records = inputs,
    raw_consume_per_s = Math.Round(raw),
    passthrough_records_per_s = Math.Round(passThrough),
    pipeline_records_per_s = Math.Round(pipeline),
    ratio_to_passthrough = Math.Round(pipeline / passThrough, 3),
    broker_writes_per_input_record = Math.Round(beyondExamples / (double)inputs, 3),
    training_examples = examples,
    dead_lettered_valid = deadLettered,
    load_records_per_s = Math.Round(rate),
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

// Departures in arrival order with a prediction log each (as serving logs one just before the departure is published) and
// their labels, naming the predictions: the first `count` departures' records, then the next `more` departures' for the load.
static async Task<(List<Input> Backlog, List<Input> Load)> BacklogAsync(string path, int count, int more)
{
    var (backlog, load) = (new List<Input>(), new List<Input>());
    var departures = 0;
    await foreach (var flight in new FlightsReplaySource(path, count + more).ReadFlightsAsync(CancellationToken.None))
    {
        var into = departures <= count && !(flight.Event is not null && departures == count) ? backlog : load;
        if (flight.Event is { } departure)
        {
            departures++;
            var logged = new PredictionLog($"p-{departure.Id}", "flights-delay", "1", departure.Time, departure.Keys, EventFeatures.From(departure), 0.2);
            into.Add(new Input(Topics.Predictions, logged.PredictionId, JsonSerializer.SerializeToUtf8Bytes(logged, ContractsJsonContext.Default.PredictionLog)));
            into.Add(new Input(Topics.Events, departure.PartitionKey, JsonSerializer.SerializeToUtf8Bytes(departure, ContractsJsonContext.Default.EntityEvent)));
        }
        else
        {
            var label = flight.Label! with { PredictionId = $"p-{flight.Label!.EventId}" };
            into.Add(new Input(Topics.Labels, label.PartitionKey, JsonSerializer.SerializeToUtf8Bytes(label, ContractsJsonContext.Default.Label)));
        }
    }
    return (backlog, load);
}

static IProducer<string, byte[]> Producer(KafkaClientConfigs configs)
{
    var config = configs.Producer();
    config.LingerMs = 2;
    return new ProducerBuilder<string, byte[]>(config).Build();
}

static void Produce(KafkaClientConfigs configs, IEnumerable<Input> records)
{
    using var producer = Producer(configs);
    foreach (var record in records) producer.Produce(record.Topic, new Message<string, byte[]> { Key = record.Key, Value = record.Value });
    producer.Flush();
}

static async Task ProducePaced(KafkaClientConfigs configs, List<Input> records, double perSecond)
{
    using var producer = Producer(configs);
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < records.Count; i++)
    {
        var due = TimeSpan.FromSeconds(i / perSecond);
        if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
        producer.Produce(records[i].Topic, new Message<string, byte[]> { Key = records[i].Key, Value = records[i].Value });
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

// Records in every topic, by kind: the sources, repartition hops, store changelogs, and each other topic by name.
static Dictionary<string, long> RecordsByKind(KafkaClientConfigs configs)
{
    using var admin = new AdminClientBuilder(configs.Admin()).Build();
    return admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics
        .Where(t => !t.Topic.StartsWith("__", StringComparison.Ordinal)) // a real broker's own, e.g. the committed offsets
        .GroupBy(t => t.Topic is Topics.Events or Topics.Labels or Topics.Predictions ? "source"
            : t.Topic.EndsWith("-repartition", StringComparison.Ordinal) ? "repartition" : t.Topic.EndsWith("-changelog", StringComparison.Ordinal) ? "changelog" : t.Topic)
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

internal sealed record Input(string Topic, string Key, byte[] Value);
