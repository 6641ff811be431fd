using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Streaming.Contracts;
using Streaming.FeatureStore;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Streams;
using Streaming.FeatureStore.Tiles;
using Streaming.Platform.Kafka;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Mock;
using Streamiz.Kafka.Net.SerDes;

namespace Streaming.Tests.Support;

/// <summary>
/// The feature topology under Streamiz's TopologyTestDriver, with helpers to publish contracts and read what comes
/// out. Tiles go to an in-memory store and the tile processors' dead letters to a list (both fakes of this test only);
/// every record is flushed at once.
/// </summary>
public sealed class FeatureDriver : IDisposable
{
    private static readonly DateTime Ingested = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private readonly TopologyTestDriver _driver;
    private readonly TestInputTopic<string, byte[]> _events;
    private readonly TestInputTopic<string, byte[]> _labels;
    private readonly TestInputTopic<string, byte[]> _predictions;
    private readonly TestOutputTopic<string, byte[]> _deadLetters;
    private readonly TestOutputTopic<string, byte[]> _examples;
    private readonly RecordingDeadLetters _rejected = new();

    /// <param name="tiles">The tile store to write to; a new one by default (pass another driver's to play a restart).</param>
    public FeatureDriver(FeatureSet set, TimeSpan? joinHorizon = null, MemoryTileStore? tiles = null)
    {
        Online = tiles ?? new MemoryTileStore();
        var applicationId = "features-test-" + Guid.NewGuid().ToString("N");
        Metrics = new FeatureMetrics(Prometheus.Metrics.NewCustomRegistry());
        var settings = new TileSettings(set, applicationId, Online, _rejected, Metrics, TimeSpan.Zero, NullLogger.Instance);
        _driver = new TopologyTestDriver(new FeatureTopology(settings, joinHorizon ?? TimeSpan.FromDays(3)).Build(),
            new StreamConfig<StringSerDes, ByteArraySerDes> { ApplicationId = applicationId });
        _events = _driver.CreateInputTopic(Topics.Events, new StringSerDes(), new ByteArraySerDes());
        _labels = _driver.CreateInputTopic(Topics.Labels, new StringSerDes(), new ByteArraySerDes());
        _predictions = _driver.CreateInputTopic(Topics.Predictions, new StringSerDes(), new ByteArraySerDes());
        _deadLetters = _driver.CreateOutputTopic(Topics.DeadLetter, TimeSpan.FromSeconds(1), new StringSerDes(), new ByteArraySerDes());
        _examples = _driver.CreateOutputTopic(Topics.TrainingExamples, TimeSpan.FromSeconds(1), new StringSerDes(), new ByteArraySerDes());
    }

    public MemoryTileStore Online { get; }

    public FeatureMetrics Metrics { get; }

    public void Publish(EntityEvent entityEvent) =>
        _events.PipeInput(entityEvent.PartitionKey, JsonSerializer.SerializeToUtf8Bytes(entityEvent, ContractsJsonContext.Default.EntityEvent), Ingested, new Headers());

    public void Publish(Label label) =>
        _labels.PipeInput(label.PartitionKey, JsonSerializer.SerializeToUtf8Bytes(label, ContractsJsonContext.Default.Label), Ingested, new Headers());

    public void Publish(PredictionLog prediction) =>
        _predictions.PipeInput(prediction.PredictionId, JsonSerializer.SerializeToUtf8Bytes(prediction, ContractsJsonContext.Default.PredictionLog), Ingested, new Headers());

    public void PublishRaw(string topic, string key, byte[]? value) =>
        (topic switch { Topics.Events => _events, Topics.Labels => _labels, _ => _predictions }).PipeInput(key, value!, Ingested, new Headers());

    /// <summary>Everything rejected: by the tile processors (events, labels) and by the join (its topic's records).</summary>
    public List<Rejected> DeadLetters()
    {
        var fromJoin = _deadLetters.ReadKeyValueList().Select(r => new Rejected(Header(r, DeadLetterHeaders.Stream), Header(r, DeadLetterHeaders.Reason), r.Message.Value));
        return [.. _rejected.Records, .. fromJoin];
    }

    /// <summary>The raw training examples out so far.</summary>
    public List<byte[]> TrainingExampleBytes() => [.. _examples.ReadValueList()];

    public List<TrainingExample> TrainingExamples() =>
        [.. TrainingExampleBytes().Select(v => JsonSerializer.Deserialize(v, ContractsJsonContext.Default.TrainingExample)!)];

    public void Dispose() => _driver.Dispose();

    private static string Header(ConsumeResult<string, byte[]> result, string name) =>
        result.Message.Headers.TryGetLastBytes(name, out var value) ? System.Text.Encoding.UTF8.GetString(value) : string.Empty;

    /// <summary>A dead letter: the stream it came from, why, and the record's bytes.</summary>
    public sealed record Rejected(string Stream, string Reason, byte[] Value);

    private sealed class RecordingDeadLetters : IDeadLetterSink
    {
        public List<Rejected> Records { get; } = [];

        public void Publish(string stream, string reason, string? detail, byte[] value) => Records.Add(new Rejected(stream, reason, value));

        public bool Flush(TimeSpan timeout) => true;
    }

    /// <summary>Tiles and progress as the Redis store would keep them, and each entity's window merged from its parts.</summary>
    public sealed class MemoryTileStore : ITileStore
    {
        private readonly Dictionary<(string View, string Entity, SourcePartition Part), byte[]> _tiles = [];
        private readonly Dictionary<SourcePartition, PartitionProgress> _progress = [];
        private readonly Dictionary<string, FeatureView> _views = [];

        public int Writes { get; private set; }

        public PartitionProgress? LoadProgress(string applicationId, SourcePartition part) => _progress.TryGetValue(part, out var p) ? p : null;

        public EntityTile? LoadTile(FeatureView view, string entity, SourcePartition part) =>
            _tiles.TryGetValue((view.Name, entity, part), out var bytes) ? EntityTile.Deserialize(bytes) : null;

        public Task WriteAsync(string applicationId, IReadOnlyCollection<TileWrite> tiles, IReadOnlyDictionary<SourcePartition, PartitionProgress> progress)
        {
            foreach (var write in tiles)
            {
                Writes++;
                _views[write.View.Name] = write.View;
                _tiles[(write.View.Name, write.Entity, write.Part)] = write.Tile;
            }
            foreach (var (part, p) in progress) _progress[part] = p;
            return Task.CompletedTask;
        }

        /// <summary>The entity's current window, as a reader merges it.</summary>
        public (long Start, long End, FeatureStore.Aggregation.FeatureAggregate Aggregate) this[string view, string entity]
        {
            get
            {
                var parts = _tiles.Where(t => t.Key.View == view && t.Key.Entity == entity).OrderBy(t => t.Key.Part.ToString(), StringComparer.Ordinal)
                    .Select(t => EntityTile.Deserialize(t.Value));
                var window = TileMerge.Current(_views[view], parts) ?? throw new KeyNotFoundException($"No tile of {view} for {entity}.");
                return (window.StartMs, window.EndMs, window.Aggregate);
            }
        }
    }
}
