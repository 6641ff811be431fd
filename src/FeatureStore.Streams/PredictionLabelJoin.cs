using System.Text.Json;
using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.State;
using Streaming.Contracts;

namespace Streaming.FeatureStore.Streams;

/// <summary>What the join emits: a training example (keyed by its label id), or a record to dead-letter with its reason.</summary>
public sealed record JoinOutcome(byte[]? Example, byte[]? Rejected = null, string? Stream = null, string? Reason = null, string? Detail = null);

/// <summary>
/// Joins each logged prediction with the label that names it, by prediction id: the training example is the
/// prediction's features (what the model was served) with the label's value. Both topics are keyed by prediction id
/// (<see cref="Label.PartitionKey"/>), so a prediction and its label meet in the same task with no repartition. Either
/// may come first; the one that waits is kept in a changelogged store. A label whose prediction has not come within
/// the horizon (event time) is dead-lettered (<see cref="FeatureTopology.UnmatchedLabelReason"/>); a prediction nobody
/// labelled is forgotten then.
/// </summary>
/// <remarks>Streamiz's builder makes one throwaway join with the parameterless constructor, then each task's with the arguments the topology gives.</remarks>
public sealed class PredictionLabelJoin : ITransformer<string, byte[], string, JoinOutcome?>
{
    public const string StoreName = "prediction-join-store";
    private readonly long _horizonMs;
    private readonly FeatureMetrics? _metrics;
    private IKeyValueStore<string, PendingJoin>? _store;
    private ProcessorContext<string, JoinOutcome?>? _context;
    private long _streamTimeMs = long.MinValue;
    private long _lastExpiryMs = long.MinValue;

    public PredictionLabelJoin()
    {
    }

    /// <param name="horizon">How long (event time) a prediction waits for its label, and a label for its prediction.</param>
    public PredictionLabelJoin(TimeSpan horizon, FeatureMetrics metrics)
    {
        _horizonMs = (long)horizon.TotalMilliseconds;
        _metrics = metrics;
    }

    public void Init(ProcessorContext<string, JoinOutcome?> context)
    {
        _context = context;
        _store = (IKeyValueStore<string, PendingJoin>)context.GetStateStore(StoreName);
    }

    public Record<string, JoinOutcome?> Process(Record<string, byte[]> record)
    {
        var store = _store ?? throw new InvalidOperationException("The join was not initialised.");
        var topic = record.TopicPartitionOffset.Topic;
        var parsed = SourceRecord.Parse(topic == Topics.Labels ? Topics.Labels : Topics.Predictions, record.Value, record.Timestamp.UnixTimestampMs);
        if (!parsed.IsValid)
            // A bad label is the tile processor's to dead-letter (it reads every label); a bad prediction log is this join's.
            return Emit(record.Key, topic == Topics.Labels ? null : new JoinOutcome(null, record.Value ?? [], Topics.Predictions, SourceRecord.MalformedReason, parsed.Error));
        if (parsed.Label is { PredictionId: null }) return Emit(record.Key, null); // labels an event: its example comes from the backfill

        var predictionId = parsed.Prediction?.PredictionId ?? parsed.Label!.PredictionId!;
        var timeMs = (parsed.Prediction?.Time ?? parsed.Label!.Time).ToUnixTimeMilliseconds();
        _streamTimeMs = Math.Max(_streamTimeMs, timeMs);
        var pending = store.Get(predictionId) ?? new PendingJoin(timeMs, null, null, false);
        pending = parsed.Prediction is not null ? pending with { Prediction = pending.Prediction ?? record.Value } : pending with { Label = record.Value };
        JoinOutcome? outcome = null;
        var key = record.Key;
        // A label always joins when its prediction is here (read again after a restart, it joins again); a prediction log
        // joins a waiting label only once (read again, it is the same log).
        var completes = parsed.Label is not null || !pending.Joined;
        if (completes && pending is { Prediction: { } prediction, Label: { } labelJson })
        {
            var label = parsed.Label ?? JsonSerializer.Deserialize(labelJson, ContractsJsonContext.Default.Label)!;
            outcome = Example(prediction, label, predictionId);
            key = label.Id;
            pending = pending with { Joined = true };
        }
        store.Put(predictionId, pending);
        ExpireIfDue();
        return Emit(key, outcome);
    }

    private JoinOutcome Example(byte[] prediction, Label label, string predictionId)
    {
        try
        {
            var example = TrainingExampleWriter.Write(prediction, label);
            _metrics!.ExamplesJoined.Inc();
            return new JoinOutcome(example);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return new JoinOutcome(null, prediction, Topics.Predictions, SourceRecord.MalformedReason, $"prediction {predictionId}: {e.Message}");
        }
    }

    private static Record<string, JoinOutcome?> Emit(string key, JoinOutcome? outcome) => Record<string, JoinOutcome?>.Create(key, outcome);

    /// <summary>A few times per horizon: scanning the store is cheap next to that, and nothing waits much past it.</summary>
    private void ExpireIfDue()
    {
        if (_streamTimeMs - _lastExpiryMs < _horizonMs / 8 && _lastExpiryMs != long.MinValue) return;
        _lastExpiryMs = _streamTimeMs;
        var cutoff = _streamTimeMs - _horizonMs;
        var expired = new List<KeyValuePair<string, PendingJoin>>();
        using (var all = _store!.All().GetEnumerator())
            while (all.MoveNext())
                if (all.Current.Value.FirstSeenMs < cutoff) expired.Add(all.Current);
        foreach (var (key, pending) in expired)
        {
            _store.Delete(key);
            if (pending is { Joined: false, Label: { } label })
                _context!.Forward(key, new JoinOutcome(null, label, Topics.Labels, FeatureTopology.UnmatchedLabelReason,
                    $"no logged prediction {key} arrived within {TimeSpan.FromMilliseconds(_horizonMs)} (labels for predictions are keyed by prediction id)"));
            else if (pending is { Joined: false, Prediction: not null })
                _metrics!.PredictionsUnlabelled.Inc();
        }
    }

    public void Close()
    {
    }
}
