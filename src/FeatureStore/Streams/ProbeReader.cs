using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.State;
using Streaming.FeatureStore.Aggregation;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Training;

namespace Streaming.FeatureStore.Streams;

/// <summary>
/// Answers probes (an event asking for one view's value as of its time) with exactly the view's on-time records
/// earlier than that time: never the event itself, nothing at or after its time, and nothing missed for having
/// arrived out of order. It sees one repartition partition of the view: updates go into a time-indexed record
/// store; probes wait in a changelogged store until every source partition's watermark has passed their time
/// (<see cref="WatermarkSettings"/>); then the records in the window current at that time and before it are
/// folded, as the backfill folds them.
/// </summary>
public sealed class ProbeReader : ITransformer<string, FeatureInput, string, JoinPart?>
{
    private ProcessorContext<string, JoinPart?>? _context;
    private State? _state;
    private long _ticks;

    public static string RecordStoreName(FeatureView view) => $"{view.Name}-records";

    public static string ProbeStoreName(FeatureView view) => $"{view.Name}-probes";

    public void Init(ProcessorContext<string, JoinPart?> context)
    {
        _context = context;
        context.Schedule(WatermarkSettings.Tick, PunctuationType.PROCESSING_TIME, _ => Tick());
    }

    public Record<string, JoinPart?> Process(Record<string, FeatureInput> record)
    {
        var state = _state ??= Open(record.TopicPartitionOffset.Topic);
        var input = record.Value;
        switch (input.Kind)
        {
            case FeatureInputKind.Update:
                var atTime = state.Records.Fetch(record.Key, input.TimeMs) ?? new ValuesAtTime();
                state.Records.Put(record.Key, atTime.With(input.Value, input.IngestMs), input.TimeMs);
                break;
            case FeatureInputKind.Probe:
                var key = PendingKey(record.Key, input.RecordId);
                state.Probes.Put(key, input);
                state.Waiting.Add((input.TimeMs, key));
                Answer(state);
                break;
            case FeatureInputKind.Watermark:
                state.Marks[input.RecordId] = (Math.Max(input.TimeMs, state.Marks.GetValueOrDefault(input.RecordId, (long.MinValue, 0)).Mark), _ticks);
                Answer(state);
                break;
        }
        return Record<string, JoinPart?>.Create(record.Key, null);
    }

    private void Tick()
    {
        _ticks++;
        if (_state is not null) Answer(_state);
    }

    /// <summary>Answers every waiting probe whose time the watermark has reached, oldest first.</summary>
    private void Answer(State state)
    {
        if (state.Waiting.Count == 0) return;
        var watermark = Watermark(state);
        while (state.Waiting.Count > 0 && state.Waiting.Min.TimeMs <= watermark)
        {
            var (timeMs, key) = state.Waiting.Min;
            state.Waiting.Remove(state.Waiting.Min);
            var probe = state.Probes.Get(key);
            state.Probes.Delete(key);
            if (probe is null) continue;
            var entity = EntityOf(key);
            var window = state.View.Window;
            var aggregate = ValuesAtTime.FoldBefore(Before(state.Records, entity, window.CurrentWindowStart(timeMs), timeMs));
            _context!.Forward(probe.RecordId, new JoinPart(View: ViewSnapshot.AsOf(state.View, entity, aggregate, timeMs)));
        }
    }

    /// <summary>
    /// The lowest watermark of the source partitions still sending; a partition never heard from holds probes back
    /// until it counts as idle. All idle: nothing more is coming for now, so everything waiting can be answered.
    /// </summary>
    private long Watermark(State state)
    {
        var watermark = long.MaxValue;
        foreach (var source in state.Sources)
        {
            if (!state.Marks.TryGetValue(source, out var mark))
            {
                if (_ticks < state.IdleTicks) return long.MinValue;
                continue;
            }
            if (_ticks - mark.AtTick >= state.IdleTicks) continue;
            watermark = Math.Min(watermark, mark.Mark);
        }
        return watermark;
    }

    private static IEnumerable<(long, ValuesAtTime)> Before(IWindowStore<string, ValuesAtTime> records, string entity, long fromMs, long beforeMs)
    {
        if (beforeMs <= fromMs) yield break;
        using var found = records.Fetch(entity, fromMs, beforeMs - 1);
        while (found.MoveNext())
            if (found.Current is { } stored) yield return (stored.Key, stored.Value);
    }

    private State Open(string repartitionTopic)
    {
        // One reader serves one view's task: the view is the one whose repartition topic feeds it.
        var context = _context ?? throw new InvalidOperationException("The probe reader was not initialised.");
        var settings = TopologyRegistry.For(context.ApplicationId);
        var view = settings.Set[FeatureTopology.ViewOfRepartitionTopic(context.ApplicationId, repartitionTopic)];
        var state = new State(
            view,
            (IWindowStore<string, ValuesAtTime>)context.GetStateStore(RecordStoreName(view)),
            (IKeyValueStore<string, FeatureInput>)context.GetStateStore(ProbeStoreName(view)),
            [.. Enumerable.Range(0, settings.Partitions).Select(p => WatermarkKeys.Source(FeatureTopology.StreamOf(view), p))],
            settings.Watermarks.IdleTicks);
        // Probes restored from the changelog after a restart wait again.
        using var restored = state.Probes.All().GetEnumerator();
        while (restored.MoveNext()) state.Waiting.Add((restored.Current.Value.TimeMs, restored.Current.Key));
        return state;
    }

    private static string PendingKey(string entity, string recordId) => entity + "\u0000" + recordId;

    private static string EntityOf(string pendingKey) => pendingKey[..pendingKey.IndexOf('\u0000', StringComparison.Ordinal)];

    public void Close()
    {
    }

    private sealed record State(
        FeatureView View,
        IWindowStore<string, ValuesAtTime> Records,
        IKeyValueStore<string, FeatureInput> Probes,
        IReadOnlyList<string> Sources,
        int IdleTicks)
    {
        public SortedSet<(long TimeMs, string Key)> Waiting { get; } = [];
        public Dictionary<string, (long Mark, long AtTick)> Marks { get; } = [];
    }
}
