using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;
using Streaming.Contracts;
using Streaming.FeatureStore;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Streams;
using Streaming.FeatureStore.Tiles;
using Streaming.Flights;
using Streaming.Host.Commands;
using Streaming.Platform.Kafka;
using Streaming.Tests.Support;
using Streamiz.Kafka.Net;

namespace Streaming.Tests.Features;

[Collection(PipelineCollection.Name)]
public class OnlineWriteBarrierTests
{
    private const string ApplicationId = "barrier";

    [Fact]
    public async Task The_pipeline_commits_its_input_only_once_the_tiles_of_it_are_stored()
    {
        using var kafka = new EmbeddedKafkaCluster();
        await kafka.EnsureTopicsAsync([.. Topics.All(4), .. FeatureTopology.InternalTopics(ApplicationId, 4)], CancellationToken.None);
        using (var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build())
        {
            long index = 0;
            await foreach (var row in new FlightsReplaySource(DemoCommand.DefaultDataPath, 300).ReadRowsAsync(CancellationToken.None))
            {
                var (departure, _) = FlightsReplaySource.ToRecords(row, index);
                producer.Produce(new TopicPartition(Topics.Events, (int)(index++ % 4)),
                    new Message<Null, byte[]> { Value = JsonSerializer.SerializeToUtf8Bytes(departure, ContractsJsonContext.Default.EntityEvent) });
            }
            producer.Flush();
        }

        var sink = new HeldTileStore();
        var metrics = new FeatureMetrics(Metrics.NewCustomRegistry());
        var tiles = new TileSettings(FlightFeatureViews.Set, ApplicationId, sink, new NoDeadLetters(), metrics, TimeSpan.FromMilliseconds(20), NullLogger.Instance);
        var config = new FeatureStreamConfig
        {
            ApplicationId = ApplicationId,
            BootstrapServers = kafka.BootstrapServers,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            CommitIntervalMs = 100,
            PollMs = 10,
            StateDir = Directory.CreateTempSubdirectory("barrier-").FullName,
        };
        var stream = new KafkaStream(new FeatureTopology(tiles, TimeSpan.FromDays(3)).Build(), config);
        await stream.StartAsync();
        var configs = new KafkaClientConfigs(kafka, new KafkaOptions());
        long End(string topic) => TopicOffsets.EndOffsetTotal(configs, topic, TimeSpan.FromSeconds(5));
        try
        {
            var topic = Topics.Events;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (sink.Writes == 0 && DateTime.UtcNow < deadline) await Task.Delay(50);
            Assert.True(sink.Writes > 0, "the pipeline wrote nothing");

            // The first flush has not landed: however many commit intervals pass, the input is committed no further.
            await Task.Delay(500);
            var held = Committed(kafka.BootstrapServers, topic);
            await Task.Delay(2_000);
            Assert.Equal(held, Committed(kafka.BootstrapServers, topic));
            Assert.True(held < End(topic), $"{held} committed while the writes were held: all of it");

            // Landed: the commit goes through, up to everything the pipeline has read.
            sink.Release();
            var end = End(topic);
            while (Committed(kafka.BootstrapServers, topic) < end && DateTime.UtcNow < deadline.AddSeconds(30)) await Task.Delay(100);
            Assert.True(end > 0);
            Assert.Equal(end, Committed(kafka.BootstrapServers, topic));
        }
        finally
        {
            sink.Release();
            stream.Dispose();
        }
    }

    private static long Committed(string bootstrap, string topic)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = ApplicationId }).Build();
        return consumer.Committed(Enumerable.Range(0, 4).Select(p => new TopicPartition(topic, p)), TimeSpan.FromSeconds(5))
            .Sum(c => Math.Max(0, c.Offset.Value));
    }


    /// <summary>A tile store whose writes have not landed until the test says so.</summary>
    private sealed class HeldTileStore : ITileStore
    {
        private readonly ManualResetEventSlim _landed = new();
        private int _writes;

        public int Writes => Volatile.Read(ref _writes);

        public PartitionProgress? LoadProgress(string applicationId, SourcePartition part) => null;

        public EntityTile? LoadTile(FeatureView view, string entity, SourcePartition part) => null;

        public Task WriteAsync(string applicationId, IReadOnlyCollection<TileWrite> tiles, IReadOnlyDictionary<SourcePartition, PartitionProgress> progress)
        {
            Interlocked.Add(ref _writes, tiles.Count);
            return Task.Run(() => _landed.Wait(TimeSpan.FromSeconds(90)));
        }

        public void Release() => _landed.Set();
    }

    private sealed class NoDeadLetters : IDeadLetterSink
    {
        public void Publish(string stream, string reason, string? detail, byte[] value) => throw new InvalidOperationException($"Unexpected dead letter: {reason} {detail}");

        public bool Flush(TimeSpan timeout) => true;
    }
}
