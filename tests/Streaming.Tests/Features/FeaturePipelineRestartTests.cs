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
        var want = await UninterruptedRunAsync(records, labelled);
        using var killedKafka = await BrokerWithAsync(records);
        using var killedRedis = new EmbeddedGarnet();

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

        await AssertSameAsync(want, killedKafka, killedRedis, labelled, "after the kills");
    }

    [Fact]
    public async Task Two_processes_in_one_group_one_joining_and_the_first_leaving_end_with_the_online_values_of_one_process()
    {
        var records = await BacklogAsync();
        var labelled = records.Count(r => r.Topic == Topics.Labels);
        var want = await UninterruptedRunAsync(records, labelled);
        using var kafka = await BrokerWithAsync(records);
        using var redis = new EmbeddedGarnet();

        var running = new TaskCompletionSource();
        using var first = Start(kafka, redis, "first", line =>
        {
            if (line.Contains("Feature pipeline RUNNING", StringComparison.Ordinal)) running.TrySetResult();
        });
        await running.Task.WaitAsync(TimeSpan.FromMinutes(1));
        await Task.Delay(300);
        // The second joins the group: the partitions are spread over both and each moved one resumes where it was.
        var secondRunning = new TaskCompletionSource();
        using var second = Start(kafka, redis, "second", line =>
        {
            if (line.Contains("Feature pipeline RUNNING", StringComparison.Ordinal)) secondRunning.TrySetResult();
        });
        await secondRunning.Task.WaitAsync(TimeSpan.FromMinutes(1)); // joined: the rebalance that spread the partitions is done
        await Task.Delay(1_000);
        output.WriteLine($"{DateTime.Now:HH:mm:ss.fff} both running; stored so far: {string.Join(", ", await ProgressAsync(redis))}");
        // The first leaves the hard way (SIGKILL): its partitions go to the second after the session timeout.
        await StopAsync(first);
        await WaitUntilDoneAsync(kafka, redis, labelled, TimeSpan.FromMinutes(3));
        await StopAsync(second);

        await AssertSameAsync(want, kafka, redis, labelled, "with two processes");
    }

    /// <summary>The online hashes one process leaves over the records, run uninterrupted on a broker and Redis of its own.</summary>
    private async Task<Dictionary<string, List<(string Field, string Value)>>> UninterruptedRunAsync(List<(string Topic, string Key, byte[] Value)> records, int labelled)
    {
        using var kafka = await BrokerWithAsync(records);
        using var redis = new EmbeddedGarnet();
        using var clean = Start(kafka, redis, "clean");
        await WaitUntilDoneAsync(kafka, redis, labelled, TimeSpan.FromMinutes(3));
        await StopAsync(clean);
        return await HashesAsync(redis);
    }

    private static async Task<EmbeddedKafkaCluster> BrokerWithAsync(IEnumerable<(string Topic, string Key, byte[] Value)> records)
    {
        var kafka = new EmbeddedKafkaCluster();
        await kafka.EnsureTopicsAsync([.. Topics.All(Partitions), .. FeatureTopology.InternalTopics("features", Partitions)], CancellationToken.None);
        Produce(kafka.BootstrapServers, records);
        return kafka;
    }

    /// <summary>
    /// Every (view, entity) hash holds the same parts, byte for byte: each record was folded in exactly once. No training
    /// example is lost; repeats are allowed (at least once) and dropped by the learner by label id.
    /// </summary>
    private static async Task AssertSameAsync(Dictionary<string, List<(string Field, string Value)>> want, EmbeddedKafkaCluster kafka, EmbeddedGarnet redis, int labelled, string how)
    {
        var got = await HashesAsync(redis);
        Assert.True(want.Count > 1_000, $"only {want.Count} hashes");
        Assert.Equal(want.Keys.Order(), got.Keys.Order());
        foreach (var (key, parts) in want)
            Assert.True(parts.SequenceEqual(got[key]), $"{key} differs {how}");
        Assert.Equal(labelled, Examples(kafka, labelled).Distinct().Count());
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
