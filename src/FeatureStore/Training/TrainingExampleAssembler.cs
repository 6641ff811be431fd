using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.State;

namespace Streaming.FeatureStore.Training;

/// <summary>
/// Gathers the pieces of each training example in a changelogged key-value store until the label and
/// what it joins with are all there, then emits the example and forgets it. Pieces that wait longer than
/// the horizon (in stream time) are dropped; a label among them comes out as unmatched, to be
/// dead-lettered rather than lost.
/// </summary>
/// <remarks>
/// Streamiz's builder makes one throwaway assembler with the parameterless constructor, then each task's with the
/// arguments the topology gives.
/// </remarks>
public sealed class TrainingExampleAssembler : ITransformer<string, JoinPart, string, JoinOutcome?>
{
    public const string StoreName = "training-join-store";
    private readonly TimeSpan _horizon;

    public TrainingExampleAssembler()
    {
    }

    /// <param name="horizon">How long (event time) pieces wait for the rest of their example.</param>
    public TrainingExampleAssembler(TimeSpan horizon) => _horizon = horizon;

    private IKeyValueStore<string, PendingExample>? _store;
    private ProcessorContext<string, JoinOutcome?>? _context;
    private long _streamTimeMs = long.MinValue;
    private long _horizonMs;

    public void Init(ProcessorContext<string, JoinOutcome?> context)
    {
        _context = context;
        _store = (IKeyValueStore<string, PendingExample>)context.GetStateStore(StoreName);
        _horizonMs = (long)_horizon.TotalMilliseconds;
        // Expiry scans the whole store: a few times per horizon keeps it rare while nothing waits much past it.
        context.Schedule(_horizon / 4, PunctuationType.STREAM_TIME, Expire);
    }

    public Record<string, JoinOutcome?> Process(Record<string, JoinPart> record)
    {
        var store = _store ?? throw new InvalidOperationException("The assembler was not initialised.");
        _streamTimeMs = Math.Max(_streamTimeMs, record.Timestamp.UnixTimestampMs);
        var pending = (store.Get(record.Key) ?? new PendingExample(_streamTimeMs)).With(record.Value);
        var example = pending.TryComplete();
        if (example is null)
        {
            store.Put(record.Key, pending);
            return Record<string, JoinOutcome?>.Create(record.Key, null);
        }
        store.Delete(record.Key);
        return Record<string, JoinOutcome?>.Create(record.Key, new JoinOutcome(example, null));
    }

    private void Expire(long streamTimeMs)
    {
        if (_store is null || _context is null) return;
        var cutoff = streamTimeMs - _horizonMs;
        var expired = new List<KeyValuePair<string, PendingExample>>();
        using (var all = _store.All().GetEnumerator())
            while (all.MoveNext())
                if (all.Current.Value.FirstSeenMs < cutoff) expired.Add(all.Current);
        foreach (var (key, pending) in expired)
        {
            _store.Delete(key);
            if (pending.Label is not null) _context.Forward(key, new JoinOutcome(null, pending.Label));
        }
    }

    public void Close()
    {
    }
}
