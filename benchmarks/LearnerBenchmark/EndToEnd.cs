using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Streaming.Contracts;
using Streaming.Host.Web;
using Streaming.Models.Store;
using Streaming.OnlineLearner;
using Streaming.Platform.Kafka;
using Streaming.Platform.Redis;
using Streaming.Testing;

namespace Streaming.Benchmarks.Learner;

public sealed record EndToEndResult(int Examples, double RawConsumePerSecond, double LearnerPerSecond, SnapshotManifest Manifest);

/// <summary>
/// The learner service as deployed (the host's learner part, JSON examples from Kafka, snapshots into
/// Redis) against the raw consume rate of the same embedded broker in the same run: the ceiling.
/// </summary>
public static class EndToEnd
{
    public static async Task<EndToEndResult> RunAsync(FlightStream stream, int count, IReadOnlyList<string> learnerSettings)
    {
        using var kafka = new EmbeddedKafkaCluster();
        using var redis = new EmbeddedGarnet();
        await kafka.EnsureTopicsAsync(Topics.All(), CancellationToken.None);
        Publish(kafka.BootstrapServers, stream.Examples.Take(count));

        var raw = RawConsume(kafka.BootstrapServers, count);
        string[] settings =
        [
            $"--Kafka:BootstrapServers={kafka.BootstrapServers}", $"--Redis:Configuration={redis.Endpoint}",
            "--Learner:Model=bench-e2e", "--Learner:StopWhenCaughtUp=true",
            "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning",
            .. learnerSettings,
        ];
        await using var app = StreamingWebApp.Build(settings, "http://127.0.0.1:0", HostParts.Learner);
        await app.StartAsync();
        await app.Services.GetRequiredService<LearnerService>().Started.Task;
        // Timed from the first micro-batch learned, as the bare consumer is from its first record: the embedded broker
        // takes about half a second to tell a consumer starting from the beginning where that is, longer than the rest.
        var learned = app.Services.GetRequiredService<LearnerMetrics>().Learned.WithLabels("bench-e2e");
        var waiting = Stopwatch.StartNew();
        while (learned.Value == 0)
        {
            if (waiting.Elapsed > TimeSpan.FromMinutes(1)) throw new TimeoutException("The learner learned nothing in a minute.");
            await Task.Delay(1);
        }
        var first = learned.Value;
        var clock = Stopwatch.StartNew();
        await app.WaitForShutdownAsync();
        var elapsed = clock.Elapsed;
        var latest = await app.Services.GetRequiredService<IModelStore>().LatestAsync("bench-e2e", CancellationToken.None)
            ?? throw new InvalidOperationException("The learner stopped without a snapshot.");
        if (latest.Manifest.Metrics.Examples != count)
            throw new InvalidOperationException($"The learner learned {latest.Manifest.Metrics.Examples:N0} of {count:N0} examples.");
        return new EndToEndResult(count, raw, (count - first) / elapsed.TotalSeconds, latest.Manifest);
    }

    /// <summary>The examples as JSON into training-examples (example i into partition i mod partitions when given), checked kept whole.</summary>
    public static void Publish(string bootstrap, IEnumerable<TrainingExample> examples, int partitions = 0)
    {
        TrainingExamplePublisher.Publish(bootstrap,
            examples.Select(example => JsonSerializer.SerializeToUtf8Bytes(example, ContractsJsonContext.Default.TrainingExample)), partitions);

        using var probe = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "bench-probe" }).Build();
        foreach (var partition in Enumerable.Range(0, Math.Max(1, partitions)))
        {
            var low = probe.QueryWatermarkOffsets(new TopicPartition(Topics.TrainingExamples, partition), TimeSpan.FromSeconds(10)).Low;
            if (low.Value > 0)
                throw new InvalidOperationException(
                    $"The embedded broker already dropped the first {low.Value:N0} examples of partition {partition} (it keeps {EmbeddedKafkaCluster.RetainedBytesPerPartition >> 20} MiB per partition); use a smaller --e2e-examples or --dp-examples.");
        }
    }

    /// <summary>Records/s of a bare consumer configured like the learner's, doing nothing with the bytes, from its first record.</summary>
    private static double RawConsume(string bootstrap, int count)
    {
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "bench-raw-consume",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            IsolationLevel = IsolationLevel.ReadCommitted,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(Topics.TrainingExamples, 0, Offset.Beginning));
        _ = consumer.Consume(TimeSpan.FromSeconds(10)) ?? throw new TimeoutException("The raw consumer received nothing.");
        var clock = Stopwatch.StartNew();
        for (var consumed = 1; consumed < count; consumed++)
            _ = consumer.Consume(TimeSpan.FromSeconds(10)) ?? throw new TimeoutException($"Raw consumer stalled at {consumed:N0} of {count:N0}.");
        return (count - 1) / clock.Elapsed.TotalSeconds;
    }
}
