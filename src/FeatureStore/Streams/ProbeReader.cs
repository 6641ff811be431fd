using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.State;
using Streaming.FeatureStore.Aggregation;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Training;

namespace Streaming.FeatureStore.Streams;

/// <summary>
/// Answers a probe (an event asking for one view's value as of its time) from the view's window store:
/// the window current at that time, as it stands when the probe is processed. Probes of an event travel
/// ahead of the event's own update, so an events view never counts the event in its own features; a
/// window that already holds later records gives defaults flagged "unavailable" rather than leak them.
/// </summary>
public sealed class ProbeReader : ITransformer<string, FeatureInput, string, JoinPart>
{
    private ProcessorContext<string, JoinPart>? _context;
    private FeatureView? _view;
    private IWindowStore<string, ValueAndTimestamp<FeatureAggregate>>? _store;

    public void Init(ProcessorContext<string, JoinPart> context) => _context = context;

    public Record<string, JoinPart> Process(Record<string, FeatureInput> record)
    {
        if (_view is null || _store is null)
        {
            // One reader serves one view's task: the view is the one whose repartition topic feeds it.
            var context = _context ?? throw new InvalidOperationException("The probe reader was not initialised.");
            _view = TopologyRegistry.For(context.ApplicationId).Set[FeatureTopology.ViewOfRepartitionTopic(context.ApplicationId, record.TopicPartitionOffset.Topic)];
            _store = (IWindowStore<string, ValueAndTimestamp<FeatureAggregate>>)context.GetStateStore(FeatureTopology.StoreName(_view));
        }
        var probe = record.Value;
        var aggregate = _store.Fetch(record.Key, _view.Window.CurrentWindowStart(probe.TimeMs))?.Value;
        return Record<string, JoinPart>.Create(probe.RecordId, new JoinPart(View: ViewSnapshot.AsOf(_view, record.Key, aggregate, probe.TimeMs)));
    }

    public void Close()
    {
    }
}
