using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.State;
using Streamiz.Kafka.Net.Stream;
using Streaming.FeatureStore.Aggregation;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Online;

namespace Streaming.FeatureStore.Streams;

/// <summary>
/// Hands an entity's current window to the online store each time one of its panes changes. A view's store holds
/// panes (tumbling windows of the view's advance) rather than its hopping windows: a record then changes one pane,
/// one store write and one changelog record, instead of every hopping window holding it (size / advance of them).
/// The window is merged here from the panes it spans. Which window: the one whose last pane is the newest pane at
/// or after the changed one (a late record also changes the windows after its own); an older window would be
/// refused by the online store anyway, which keeps the newest window per entity.
/// </summary>
/// <remarks>Streamiz's builder makes one throwaway writer with the parameterless constructor, then each task's with the arguments the topology gives.</remarks>
public sealed class CurrentWindowWriter : IProcessor<Windowed<string>, FeatureAggregate>
{
    private readonly FeatureView? _view;
    private readonly IOnlineFeatureSink? _sink;
    private ITimestampedWindowStore<string, FeatureAggregate>? _panes;

    public CurrentWindowWriter()
    {
    }

    public CurrentWindowWriter(FeatureView view, IOnlineFeatureSink sink)
    {
        _view = view;
        _sink = sink;
    }

    public void Init(ProcessorContext<Windowed<string>, FeatureAggregate> context)
    {
        var view = _view ?? throw new InvalidOperationException("A window writer serves one view: Processor<CurrentWindowWriter>(view, sink).");
        _panes = (ITimestampedWindowStore<string, FeatureAggregate>)context.GetStateStore(FeatureTopology.StoreName(view));
    }

    public void Process(Record<Windowed<string>, FeatureAggregate> record)
    {
        var view = _view!;
        var window = view.Window;
        var entity = record.Key.Key;
        if (window.IsTumbling)
        {
            _sink!.Write(view, entity, record.Key.Window.StartMs, record.Key.Window.EndMs, record.Value);
            return;
        }
        var changedPane = record.Key.Window.StartMs;
        var panes = Panes(entity, Math.Max(0, changedPane - window.SizeMs + window.AdvanceMs), changedPane + window.SizeMs - window.AdvanceMs);
        panes.TryAdd(changedPane, record.Value); // the aggregation stored it just before forwarding; never absent, but never lost either
        var newest = panes.Keys[^1];
        var start = window.CurrentWindowStart(panes[newest].MaxTimeMs);
        var merged = FeatureAggregate.For(view);
        foreach (var (paneStart, pane) in panes)
            if (paneStart >= start) merged.Merge(pane);
        _sink!.Write(view, entity, start, start + window.SizeMs, merged);
    }

    /// <summary>The entity's panes starting in [fromMs, toMs], by start.</summary>
    private SortedList<long, FeatureAggregate> Panes(string entity, long fromMs, long toMs)
    {
        var panes = new SortedList<long, FeatureAggregate>();
        using var found = _panes!.Fetch(entity, fromMs, toMs);
        while (found.MoveNext())
            if (found.Current is { } pane && pane.Value?.Value is { } aggregate)
                panes[pane.Key] = aggregate;
        return panes;
    }

    public void Close()
    {
    }
}
