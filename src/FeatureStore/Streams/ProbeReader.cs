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
/// <remarks>
/// Streamiz's builder makes one throwaway reader with the parameterless constructor, then each task's with the
/// arguments the topology gives.
/// </remarks>
public sealed class ProbeReader : ITransformer<string, FeatureInput, string, JoinPart?>
{
    private readonly FeatureView? _view;
    private readonly IReadOnlyList<string> _sources = [];
    private readonly int _idleTicks;
    private readonly Prometheus.Gauge.Child? _waitingGauge;
    private ProcessorContext<string, JoinPart?>? _context;
    private State? _state;
    private long _ticks;
    private int _reported;

    public ProbeReader()
    {
    }

    public ProbeReader(For reader)
    {
        _view = reader.View;
        _sources = [.. Enumerable.Range(0, reader.Partitions).Select(p => WatermarkKeys.Source(FeatureTopology.StreamOf(reader.View), p))];
        _idleTicks = reader.Watermarks.IdleTicks;
        _waitingGauge = reader.Metrics.ProbesWaiting.WithLabels(reader.View.Name);
    }

    /// <summary>What one view's readers are made with.</summary>
    /// <param name="View">The view whose probes this reader answers.</param>
    /// <param name="Watermarks">How long a silent source partition holds probes back.</param>
    /// <param name="Partitions">Partitions of the view's source topic: the watermarks to wait for.</param>
    /// <param name="Metrics">Where waiting probes are counted.</param>
    public sealed record For(FeatureView View, WatermarkSettings Watermarks, int Partitions, FeatureMetrics Metrics);

    public static string RecordStoreName(FeatureView view) => $"{view.Name}-records";

    public static string ProbeStoreName(FeatureView view) => $"{view.Name}-probes";

    public void Init(ProcessorContext<string, JoinPart?> context)
    {
        _context = context;
        context.Schedule(WatermarkSettings.Tick, PunctuationType.PROCESSING_TIME, _ => Tick());
    }

    public Record<string, JoinPart?> Process(Record<string, FeatureInput> record)
    {
        var state = _state ??= Open();
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
        var watermark = state.Waiting.Count == 0 ? long.MinValue : Watermark(state);
        while (state.Waiting.Count > 0 && state.Waiting.Min.TimeMs <= watermark)
        {
            var (timeMs, key) = state.Waiting.Min;
            state.Waiting.Remove(state.Waiting.Min);
            var probe = state.Probes.Get(key);
            state.Probes.Delete(key);
            if (probe is null) continue;
            var entity = EntityOf(key);
            var aggregate = ValuesAtTime.FoldBefore(state.View, Before(state.Records, entity, state.View.Window.CurrentWindowStart(timeMs), timeMs));
            _context!.Forward(probe.RecordId, new JoinPart(View: ViewSnapshot.AsOf(state.View, entity, aggregate, timeMs), AsOfMs: timeMs));
        }
        Report(state);
    }

    /// <summary>
    /// The lowest watermark of the source partitions still sending; a partition never heard from holds probes back
    /// until it counts as idle, counted from when this reader opened (ticks come during a restore too, and a long
    /// restore must not make every source look idle at once). All idle: nothing more is coming for now, so
    /// everything waiting can be answered.
    /// </summary>
    private long Watermark(State state)
    {
        var watermark = long.MaxValue;
        foreach (var source in _sources)
        {
            if (!state.Marks.TryGetValue(source, out var mark))
            {
                if (_ticks - state.OpenedAtTick < _idleTicks) return long.MinValue;
                continue;
            }
            if (_ticks - mark.AtTick >= _idleTicks) continue;
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

    /// <summary>
    /// Opened with the first record, when the stores are restored from their changelogs (punctuation can come
    /// earlier). Watermarks go to every partition whenever any source moves on, so after a restart each reader
    /// gets a record, and its restored probes their answers, as soon as there is any new input.
    /// </summary>
    private State Open()
    {
        var context = _context ?? throw new InvalidOperationException("The probe reader was not initialised.");
        var view = _view ?? throw new InvalidOperationException("A probe reader serves one view: Transformer<ProbeReader>(view, ...).");
        var state = new State(
            view,
            (IWindowStore<string, ValuesAtTime>)context.GetStateStore(RecordStoreName(view)),
            (IKeyValueStore<string, FeatureInput>)context.GetStateStore(ProbeStoreName(view)),
            OpenedAtTick: _ticks);
        // Probes restored from the changelog after a restart wait again.
        using var restored = state.Probes.All().GetEnumerator();
        while (restored.MoveNext()) state.Waiting.Add((restored.Current.Value.TimeMs, restored.Current.Key));
        return state;
    }

    private static string PendingKey(string entity, string recordId) => entity + "\u0000" + recordId;

    private static string EntityOf(string pendingKey) => pendingKey[..pendingKey.IndexOf('\u0000', StringComparison.Ordinal)];

    /// <summary>
    /// The task moves away or stops: its waiting probes stay in the changelog for whoever takes it over (this reader
    /// too, should Streamiz resume it: it reopens from the store).
    /// </summary>
    public void Close()
    {
        _waitingGauge?.Dec(_reported);
        _reported = 0;
        _state = null;
    }

    /// <summary>Brings this reader's share of the waiting-probes gauge to what it holds (several tasks share the gauge).</summary>
    private void Report(State state)
    {
        _waitingGauge!.Inc(state.Waiting.Count - _reported);
        _reported = state.Waiting.Count;
    }

    private sealed record State(
        FeatureView View,
        IWindowStore<string, ValuesAtTime> Records,
        IKeyValueStore<string, FeatureInput> Probes,
        long OpenedAtTick)
    {
        public SortedSet<(long TimeMs, string Key)> Waiting { get; } = [];
        public Dictionary<string, (long Mark, long AtTick)> Marks { get; } = [];
    }
}
