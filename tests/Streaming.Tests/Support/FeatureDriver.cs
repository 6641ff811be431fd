using System.Text.Json;
using Confluent.Kafka;
using Prometheus;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Mock;
using Streamiz.Kafka.Net.SerDes;
using Streaming.Contracts;
using Streaming.FeatureStore;
using Streaming.FeatureStore.Aggregation;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Online;
using Streaming.FeatureStore.Streams;

namespace Streaming.Tests.Support;

/// <summary>The feature topology under Streamiz's TopologyTestDriver, with helpers to publish contracts and read what comes out.</summary>
public sealed class FeatureDriver : IDisposable
{
    private static readonly DateTime Ingested = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private readonly TopologyTestDriver _driver;
    private readonly TestInputTopic<string, byte[]> _events;
    private readonly TestInputTopic<string, byte[]> _labels;
    private readonly TestInputTopic<string, byte[]> _predictions;
    private readonly TestOutputTopic<string, byte[]> _deadLetters;
    private readonly TestOutputTopic<string, byte[]> _examples;

    public FeatureDriver(FeatureSet set, TimeSpan? joinHorizon = null)
    {
        var applicationId = "features-test-" + Guid.NewGuid().ToString("N");
        Metrics = new FeatureMetrics(Prometheus.Metrics.NewCustomRegistry());
        var topology = new FeatureTopology(new TopologySettings(set, joinHorizon ?? TimeSpan.FromDays(3), SkewAllowance, Partitions: 1, Watermarks), Online, Metrics).Build(applicationId);
        _driver = new TopologyTestDriver(topology, new StreamConfig<StringSerDes, ByteArraySerDes> { ApplicationId = applicationId });
        _events = _driver.CreateInputTopic(Topics.Events, new StringSerDes(), new ByteArraySerDes());
        _labels = _driver.CreateInputTopic(Topics.Labels, new StringSerDes(), new ByteArraySerDes());
        _predictions = _driver.CreateInputTopic(Topics.Predictions, new StringSerDes(), new ByteArraySerDes());
        _deadLetters = _driver.CreateOutputTopic(Topics.DeadLetter, TimeSpan.FromSeconds(1), new StringSerDes(), new ByteArraySerDes());
        _examples = _driver.CreateOutputTopic(Topics.TrainingExamples, TimeSpan.FromSeconds(1), new StringSerDes(), new ByteArraySerDes());
    }

    /// <summary>The test driver processes records in the order piped, one partition: no skew to allow for.</summary>
    private static readonly TimeSpan SkewAllowance = TimeSpan.Zero;

    /// <summary>A watermark on every advance, so tests can tell exactly which record lets a probe through.</summary>
    public static readonly WatermarkSettings Watermarks = new(TimeSpan.Zero, TimeSpan.FromSeconds(3));

    public RecordingSink Online { get; } = new();

    public FeatureMetrics Metrics { get; }

    public void Publish(EntityEvent entityEvent) =>
        _events.PipeInput(entityEvent.PartitionKey, JsonSerializer.SerializeToUtf8Bytes(entityEvent, ContractsJsonContext.Default.EntityEvent), Ingested, new Headers());

    public void Publish(Label label) =>
        _labels.PipeInput(label.PartitionKey, JsonSerializer.SerializeToUtf8Bytes(label, ContractsJsonContext.Default.Label), Ingested, new Headers());

    public void Publish(PredictionLog prediction) =>
        _predictions.PipeInput(prediction.PredictionId, JsonSerializer.SerializeToUtf8Bytes(prediction, ContractsJsonContext.Default.PredictionLog), Ingested, new Headers());

    public void PublishRawEvent(string key, byte[] value) => _events.PipeInput(key, value, Ingested, new Headers());

    public List<ConsumeResult<string, byte[]>> DeadLetters() => [.. _deadLetters.ReadKeyValueList()];

    /// <summary>The examples out so far, after the sources have gone quiet long enough to count as idle (which answers every waiting probe).</summary>
    public List<TrainingExample> TrainingExamples()
    {
        GoIdle();
        return TrainingExamplesSoFar();
    }

    /// <summary>The examples out so far, with no wall time passing: probes answered by watermarks only.</summary>
    public List<TrainingExample> TrainingExamplesSoFar() =>
        [.. _examples.ReadValueList().Select(v => JsonSerializer.Deserialize(v, ContractsJsonContext.Default.TrainingExample)!)];

    /// <summary>Lets wall time pass, tick by tick, until every source partition counts as idle.</summary>
    private void GoIdle()
    {
        for (var tick = 0; tick <= Watermarks.IdleTicks; tick++) _driver.AdvanceWallClockTime(WatermarkSettings.Tick);
    }

    public void Dispose() => _driver.Dispose();

    /// <summary>Every write the topology made, and the newest window per key as Redis would keep it.</summary>
    public sealed class RecordingSink : IOnlineFeatureSink
    {
        private readonly Dictionary<(string View, string Entity), (long Start, long End, FeatureAggregate Aggregate)> _current = [];

        public int Writes { get; private set; }

        public void Write(FeatureView view, string entity, long windowStartMs, long windowEndMs, FeatureAggregate aggregate)
        {
            lock (_current)
            {
                Writes++;
                if (!_current.TryGetValue((view.Name, entity), out var stored) || stored.Start <= windowStartMs)
                    _current[(view.Name, entity)] = (windowStartMs, windowEndMs, aggregate);
            }
        }

        /// <summary>Writes are recorded as they are made: nothing to wait for.</summary>
        public void WaitForWrites()
        {
        }

        public (long Start, long End, FeatureAggregate Aggregate) this[string view, string entity]
        {
            get { lock (_current) return _current[(view, entity)]; }
        }
    }
}
