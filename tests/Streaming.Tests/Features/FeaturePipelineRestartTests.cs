using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using StackExchange.Redis;
using Streaming.Contracts;
using Streaming.FeatureStore.Online;
using Streaming.FeatureStore.Streams;
using Streaming.Flights;
using Streaming.Host.Commands;
using Streaming.Platform.Kafka;
using Streaming.Platform.Redis;
using Streaming.Tests.Support;
using Xunit.Abstractions;

namespace Streaming.Tests.Features;

/// <summary>
/// The feature pipeline as a process of its own, killed outright (SIGKILL) at random points of a backlog and started
/// again, against one that runs uninterrupted over the same records on a broker and Redis of its own.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class FeaturePipelineRestartTests(ITestOutputHelper output)
{
    // The embedded broker keeps the newest 5 MiB of each partition: the examples of this many rows, repeats included,
    // stay well inside it on training-examples' one partition, so every one can be read back.
    private const long Rows = 6_000;
    private const int Partitions = 4;

    [Fact]
    public async Task A_pipeline_killed_five_times_ends_with_the_online_values_of_an_uninterrupted_run_and_loses_no_training_example()
    {
        var records = await BacklogAsync();
        var labelled = records.Count(r => r.Topic == Topics.Labels);
        using var cleanKafka = new EmbeddedKafkaCluster();
        using var killedKafka = new EmbeddedKafkaCluster();
        using var cleanRedis = new EmbeddedGarnet();
        using var killedRedis = new EmbeddedGarnet();
        foreach (var kafka in new[] { cleanKafka, killedKafka })
        {
            await kafka.EnsureTopicsAsync([.. Topics.All(Partitions), .. FeatureTopology.InternalTopics("features", Partitions)], CancellationToken.None);
            Produce(kafka.BootstrapServers, records);
        }

        using (var clean = Start(cleanKafka, cleanRedis, "clean"))
        {
            await WaitUntilDoneAsync(cleanKafka, cleanRedis, labelled, TimeSpan.FromMinutes(3));
            await StopAsync(clean);
        }

        var seed = Environment.TickCount;
        var random = new Random(seed);
        output.WriteLine($"kill schedule seed {seed}");
        for (var kill = 0; kill < 5; kill++)
        {
            var running = new TaskCompletionSource();
            using var process = Start(killedKafka, killedRedis, $"kill {kill}", line =>
            {
                if (line.Contains("Feature pipeline RUNNING", StringComparison.Ordinal)) running.TrySetResult();
            });
            try
            {
                await running.Task.WaitAsync(TimeSpan.FromMinutes(1));
                await Task.Delay(random.Next(0, 1_500));
            }
            finally
            {
                await StopAsync(process); // SIGKILL: no shutdown, no last commit
            }
            output.WriteLine($"{DateTime.Now:HH:mm:ss.fff} killed run {kill}; stored so far: {string.Join(", ", await ProgressAsync(killedRedis))}");
        }
        using (var last = Start(killedKafka, killedRedis, "last"))
        {
            await WaitUntilDoneAsync(killedKafka, killedRedis, labelled, TimeSpan.FromMinutes(3));
            await StopAsync(last);
        }

        // Every (view, entity) hash holds the same parts, byte for byte: each record was folded in exactly once.
        var want = await HashesAsync(cleanRedis);
        var got = await HashesAsync(killedRedis);
        Assert.True(want.Count > 1_000, $"only {want.Count} hashes");
        Assert.Equal(want.Keys.Order(), got.Keys.Order());
        foreach (var (key, parts) in want)
            Assert.True(parts.SequenceEqual(got[key]), $"{key} differs after the kills");
        // No training example lost; repeats are allowed (at least once) and dropped by the learner by label id.
        var examples = Examples(killedKafka, labelled);
        Assert.Equal(labelled, examples.Distinct().Count());
    }

    private static async Task<List<(string Topic, string Key, byte[] Value)>> BacklogAsync()
    {
        var records = new List<(string, string, byte[])>();
        await foreach (var flight in new FlightsReplaySource(DemoCommand.DefaultDataPath, Rows).ReadFlightsAsync(CancellationToken.None))
        {
            if (flight.Event is { } departure)
            {
                records.Add((Topics.Events, departure.PartitionKey, JsonSerializer.SerializeToUtf8Bytes(departure, ContractsJsonContext.Default.EntityEvent)));
                var logged = new PredictionLog($"p-{departure.Id}", "m", "0", departure.Time, departure.Keys, EventFeatures.From(departure), 0.5);
                records.Add((Topics.Predictions, logged.PredictionId, JsonSerializer.SerializeToUtf8Bytes(logged, ContractsJsonContext.Default.PredictionLog)));
            }
            else
            {
                var label = flight.Label! with { PredictionId = $"p-{flight.Label!.EventId}" };
                records.Add((Topics.Labels, label.PartitionKey, JsonSerializer.SerializeToUtf8Bytes(label, ContractsJsonContext.Default.Label)));
            }
        }
        return records;
    }

    /// <summary>The same records, with the same Kafka timestamps (where freshness is measured from, so tiles carry them), on each broker.</summary>
    private static void Produce(string bootstrap, IEnumerable<(string Topic, string Key, byte[] Value)> records)
    {
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = bootstrap, LingerMs = 5 }).Build();
        var timestamp = new Timestamp(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        foreach (var (topic, key, value) in records) producer.Produce(topic, new Message<string, byte[]> { Key = key, Value = value, Timestamp = timestamp });
        producer.Flush();
    }

    private Process Start(EmbeddedKafkaCluster kafka, EmbeddedGarnet redis, string name, Action<string>? watch = null) => HostProcess.Start(
        [
            "features", "--urls", "http://127.0.0.1:0",
            $"--Kafka:BootstrapServers={kafka.BootstrapServers}", $"--Redis:Configuration={redis.Endpoint}",
            $"--Kafka:StreamPartitions={Partitions}", "--Kafka:GroupSessionTimeout=00:00:06",
            "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Streaming.FeatureStore.Streams.FeatureStoreService=Information",
        ],
        line =>
        {
            watch?.Invoke(line);
            if (line.Contains("fail", StringComparison.OrdinalIgnoreCase) || line.Contains("crit", StringComparison.OrdinalIgnoreCase)) output.WriteLine($"[{name}] {line}");
        });

    /// <summary>Kills the process (SIGKILL) and waits for it: disposing a Process object leaves the process running.</summary>
    private static async Task StopAsync(Process process)
    {
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    /// <summary>Until every events and labels record is stored with its partition's progress, and every label has its example.</summary>
    private static async Task WaitUntilDoneAsync(EmbeddedKafkaCluster kafka, EmbeddedGarnet redis, int labelled, TimeSpan timeout)
    {
        var configs = new KafkaClientConfigs(kafka, new KafkaOptions());
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Endpoint);
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var progress = (await connection.GetDatabase().HashGetAllAsync(OnlineKeys.Progress("features")))
                .ToDictionary(h => h.Name.ToString(), h => long.Parse(h.Value.ToString().Split(' ')[0], CultureInfo.InvariantCulture));
            var stored = new[] { Topics.Events, Topics.Labels }.All(topic => Enumerable.Range(0, Partitions).All(p =>
            {
                var end = TopicOffsets.EndOffset(configs, new TopicPartition(topic, p), TimeSpan.FromSeconds(5));
                return end == 0 || (progress.TryGetValue($"{topic}:{p}", out var offset) && offset == end - 1);
            }));
            if (stored && TopicOffsets.EndOffsetTotal(configs, Topics.TrainingExamples, TimeSpan.FromSeconds(5)) >= labelled) return;
            await Task.Delay(250);
        }
        throw new TimeoutException("The pipeline did not store the whole backlog in time.");
    }

    private static async Task<List<string>> ProgressAsync(EmbeddedGarnet redis)
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Endpoint);
        return [.. (await connection.GetDatabase().HashGetAllAsync(OnlineKeys.Progress("features"))).Select(h => $"{h.Name}={h.Value.ToString().Split(' ')[0]}").Order()];
    }

    private static async Task<Dictionary<string, List<(string Field, string Value)>>> HashesAsync(EmbeddedGarnet redis)
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Endpoint);
        var database = connection.GetDatabase();
        var hashes = new Dictionary<string, List<(string, string)>>(StringComparer.Ordinal);
        foreach (var key in connection.GetServers().Single().Keys(pattern: "features:*", pageSize: 1000))
            hashes[key.ToString()] = [.. (await database.HashGetAllAsync(key)).Select(h => (h.Name.ToString(), Convert.ToBase64String((byte[])h.Value!))).OrderBy(h => h.Item1, StringComparer.Ordinal)];
        return hashes;
    }

    private static List<string> Examples(EmbeddedKafkaCluster kafka, int expected) =>
        [.. KafkaReader.ReadAll(kafka.BootstrapServers, Topics.TrainingExamples, expected, TimeSpan.FromMinutes(1))
            .Select(r => JsonSerializer.Deserialize(r.Message.Value, ContractsJsonContext.Default.TrainingExample)!.Id)];
}
