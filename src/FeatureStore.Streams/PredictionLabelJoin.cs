using System.Text.Json;
using Streaming.Contracts;
using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.State;

namespace Streaming.FeatureStore.Streams;

/// <summary>What the join emits: a training example (keyed by its label id), or a record to dead-letter with its reason.</summary>
internal sealed record JoinOutcome(byte[]? Example, byte[]? Rejected = null, string? Stream = null, string? Reason = null, string? Detail = null);

/// <summary>
/// Joins each logged prediction with the label that names it, by prediction id: the training example is the
/// prediction's features (what the model was served) with the label's value. Both topics are keyed by prediction id
/// (<see cref="Label.PartitionKey"/>), so a prediction and its label meet in the same task with no repartition. Either
/// may come first; the one that waits is kept in a changelogged store. A label whose prediction has not come within
/// the horizon (event time) is dead-lettered (<see cref="FeatureTopology.UnmatchedLabelReason"/>); a prediction nobody
/// labelled is forgotten then.
/// </summary>
/// <remarks>Streamiz's builder makes one throwaway join with the parameterless constructor, then each task's with the arguments the topology gives.</remarks>
internal sealed class PredictionLabelJoin : ITransformer<string, byte[], string, JoinOutcome?>
{
    public const string StoreName = "prediction-join-store";
    private readonly long _horizonMs;
    private readonly FeatureMetrics? _metrics;
    private IKeyValueStore<string, PendingJoin>? _store;
    private ProcessorContext<string, JoinOutcome?>? _context;
    // Predictions this task has joined since it started, for the unlabelled count at expiry. Kept out of the store so
    // that a met pair costs no second changelog write of the prediction; after a restart the count may include pairs
    // met before it, never an example.
    private readonly HashSet<string> _met = new(StringComparer.Ordinal);
    // What waits, by the event time it started waiting: expiry takes from the front instead of scanning the store (a
    // scan deserializes every entry). Restored entries are added by one scan at the first expiry after a start;
    // an entry listed twice, or changed since, is skipped when its turn comes.
    private readonly PriorityQueue<string, long> _byFirstSeen = new();
    private bool _restoredListed;
    private long _streamTimeMs = long.MinValue;

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
        try
        {
            return Join(record);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A record no check foresaw must not stop the stream thread (and every record behind it): dead-lettered.
            return Emit(record.Key, new JoinOutcome(null, record.Value ?? [], record.TopicPartitionOffset.Topic, TileProcessor.ProcessingError, e.Message));
        }
    }

    private Record<string, JoinOutcome?> Join(Record<string, byte[]> record)
    {
        var store = _store ?? throw new InvalidOperationException("The join was not initialised.");
        if (record.TopicPartitionOffset.Topic == Topics.Labels) return Label(store, record);
        var value = record.Value ?? [];
        if (RecordBounds.SizeProblem(value.Length) is { } size)
            return Emit(record.Key, new JoinOutcome(null, value, Topics.Predictions, RecordBounds.Oversized, size));
        if (LoggedPrediction.Read(value, record.Timestamp.UnixTimestampMs, out var error) is not { } logged)
            return Emit(record.Key, new JoinOutcome(null, value, Topics.Predictions, SourceRecord.MalformedReason, error));
        Advance(logged.TimeMs);
        var pending = store.Get(logged.PredictionId);
        // Read again (at least once), a prediction log is the same log: it joins a waiting label only once.
        if (pending is { Prediction: not null }) return Emit(record.Key, null);
        JoinOutcome? outcome = null;
        var key = record.Key;
        if (pending?.Label is { } labelJson)
        {
            var label = JsonSerializer.Deserialize(labelJson, ContractsJsonContext.Default.Label)!;
            outcome = Example(value, logged, label);
            key = label.Id;
        }
        Put(store, logged.PredictionId, new PendingJoin(pending?.FirstSeenMs ?? logged.TimeMs, value, outcome is null ? pending?.Label : null, outcome is not null), pending);
        Expire();
        return Emit(key, outcome);
    }

    /// <summary>
    /// A label joins whenever its prediction is here, also when it was joined before (read again after a restart, it
    /// joins again: the learner drops the repeat by label id). A bad label is the tile processor's to dead-letter (it
    /// reads every label); one that names only an event has its example from the backfill.
    /// </summary>
    private Record<string, JoinOutcome?> Label(IKeyValueStore<string, PendingJoin> store, Record<string, byte[]> record)
    {
        var parsed = SourceRecord.Parse(Topics.Labels, record.Value, record.Timestamp.UnixTimestampMs);
        if (parsed.Label is not { PredictionId: { } predictionId } label) return Emit(record.Key, null);
        Advance(label.Time.ToUnixTimeMilliseconds());
        var pending = store.Get(predictionId);
        JoinOutcome? outcome = null;
        if (pending?.Prediction is { } prediction)
        {
            outcome = LoggedPrediction.Read(prediction, long.MaxValue, out var error) is { } logged // its time was checked when it came
                ? Example(prediction, logged, label)
                : new JoinOutcome(null, prediction, Topics.Predictions, SourceRecord.MalformedReason, error);
            // The met pair keeps the prediction, for a label read again.
            if (!pending.Joined) _met.Add(predictionId);
        }
        else
            Put(store, predictionId, new PendingJoin(pending?.FirstSeenMs ?? label.Time.ToUnixTimeMilliseconds(), null, record.Value, false), pending);
        Expire();
        return Emit(outcome?.Example is null ? record.Key : label.Id, outcome);
    }

    private void Advance(long timeMs) => _streamTimeMs = Math.Max(_streamTimeMs, timeMs);

    private JoinOutcome Example(byte[] predictionJson, LoggedPrediction prediction, Label label)
    {
        _metrics!.ExamplesJoined.Inc();
        return new JoinOutcome(TrainingExampleWriter.Write(predictionJson, prediction, label));
    }

    private static Record<string, JoinOutcome?> Emit(string key, JoinOutcome? outcome) => Record<string, JoinOutcome?>.Create(key, outcome);

    private void Put(IKeyValueStore<string, PendingJoin> store, string key, PendingJoin value, PendingJoin? before)
    {
        store.Put(key, value);
        if (before is null) _byFirstSeen.Enqueue(key, value.FirstSeenMs);
    }

    /// <summary>Forgets what has waited longer than the horizon; a label that waited in vain is dead-lettered.</summary>
    private void Expire()
    {
        var store = _store!;
        if (!_restoredListed)
        {
            _restoredListed = true;
            using var all = store.All().GetEnumerator();
            while (all.MoveNext()) _byFirstSeen.Enqueue(all.Current.Key, all.Current.Value.FirstSeenMs);
        }
        var cutoff = _streamTimeMs - _horizonMs;
        while (_byFirstSeen.TryPeek(out var key, out var firstSeenMs) && firstSeenMs < cutoff)
        {
            _byFirstSeen.Dequeue();
            if (store.Get(key) is not { } pending || pending.FirstSeenMs != firstSeenMs) continue; // listed twice, or gone
            store.Delete(key);
            var joined = _met.Remove(key) || pending.Joined;
            if (pending is { Label: { } label } && !joined)
                _context!.Forward(key, new JoinOutcome(null, label, Topics.Labels, FeatureTopology.UnmatchedLabelReason,
                    $"no logged prediction {key} arrived within {TimeSpan.FromMilliseconds(_horizonMs)} (labels for predictions are keyed by prediction id)"));
            else if (pending is { Prediction: not null } && !joined)
                _metrics!.PredictionsUnlabelled.Inc();
        }
    }

    public void Close()
    {
    }
}
