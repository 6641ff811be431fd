using System.Text;
using System.Text.Json;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Crosscutting;
using Streamiz.Kafka.Net.Processors;
using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.State;
using Streamiz.Kafka.Net.Stream;
using Streamiz.Kafka.Net.Table;
using Streaming.Contracts;
using Streaming.FeatureStore.Aggregation;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Online;
using Streaming.FeatureStore.Training;
using Streaming.Platform.Kafka;

namespace Streaming.FeatureStore.Streams;

/// <summary>
/// Generates the Streamiz topology from a <see cref="FeatureSet"/>. Per view: the matching records (and
/// probes: predicted events asking for the view's value as of their time) are keyed by the view's entity
/// and repartitioned, followed by their source partition's watermarks; late ones are dead-lettered; the rest
/// are aggregated into panes (tumbling windows of the view's advance) in a changelogged store, and at every
/// change the entity's current window, merged from its panes, goes to the online store (<see cref="CurrentWindowWriter"/>);
/// <see cref="ProbeReader"/> answers the probes once the watermarks pass. The
/// probes' answers, the predicted events, the labels and the prediction logs meet in one more repartition
/// by event or prediction id, where <see cref="TrainingExampleAssembler"/> turns them into training examples.
/// </summary>
public sealed class FeatureTopology(TopologySettings settings, IOnlineFeatureSink sink, FeatureMetrics metrics)
{
    public const string JoinName = "training-join";
    public const string LateReason = "late_event";
    public const string UnmatchedLabelReason = "label_unmatched";
    private const string Source = "features";

    private static readonly StringSerDes Keys = new();
    private static readonly BinarySerDes<FeatureInput> Inputs = new(input => input.Serialize(), bytes => FeatureInput.Deserialize(bytes));
    private static readonly BinarySerDes<FeatureAggregate> Aggregates = new(aggregate => aggregate.Serialize(), bytes => FeatureAggregate.Deserialize(bytes));
    private static readonly BinarySerDes<ValuesAtTime> ValuesByTime = new(values => values.Serialize(), bytes => ValuesAtTime.Deserialize(bytes));
    private readonly FeatureSet _set = settings.Set;

    /// <summary>
    /// A view's aggregates, by pane: tumbling windows of the view's advance, merged into its windows by
    /// <see cref="CurrentWindowWriter"/>. (Named apart from the hopping windows' store of earlier versions, whose
    /// changelog must not be restored as panes.)
    /// </summary>
    public static string StoreName(FeatureView view) => $"{view.Name}-panes";

    /// <summary>The topics Streamiz creates for this set; on the embedded broker they are created up front (its admin API cannot).</summary>
    public static IEnumerable<TopicSpec> InternalTopics(string applicationId, TopologySettings settings) =>
        InternalTopics(applicationId, settings.Set, settings.Partitions);

    private static IEnumerable<TopicSpec> InternalTopics(string applicationId, FeatureSet set, int partitions) =>
        set.Views.SelectMany(view => new[]
            {
                new TopicSpec($"{applicationId}-{view.Name}-repartition", partitions),
                new TopicSpec($"{applicationId}-{StoreName(view)}-changelog", partitions, Compacted: true),
                new TopicSpec($"{applicationId}-{ProbeReader.RecordStoreName(view)}-changelog", partitions, Compacted: true),
                new TopicSpec($"{applicationId}-{ProbeReader.ProbeStoreName(view)}-changelog", partitions, Compacted: true),
            })
            .Append(new TopicSpec($"{applicationId}-{JoinName}-repartition", partitions))
            .Append(new TopicSpec($"{applicationId}-{TrainingExampleAssembler.StoreName}-changelog", partitions, Compacted: true));

    public Topology Build(string applicationId)
    {
        var builder = new StreamBuilder();
        var events = Read(builder, Topics.Events);
        var labels = Read(builder, Topics.Labels);
        var predictions = Read(builder, Topics.Predictions);

        var joinParts = _set.Views.Select(view => BuildView(builder, view, events, labels)).ToList();
        joinParts.Add(events
            .Filter((_, record, _) => record.Event!.Type == _set.PredictedEventType)
            .Map((_, record, _) => KeyValuePair.Create(record.Event!.Id, new JoinPart(Event: record.Event, ExpectedViews: ProbedViews(record.Event).Select(v => v.Name).ToList())))
            .WithRecordTimestamp((_, part, _) => part.Event!.Time.ToUnixTimeMilliseconds()));
        joinParts.Add(labels
            .Map((_, record, _) => KeyValuePair.Create(record.Label!.EventId ?? record.Label.PredictionId!, new JoinPart(Label: record.Label)))
            .WithRecordTimestamp((_, part, _) => part.Label!.Time.ToUnixTimeMilliseconds()));
        joinParts.Add(predictions
            .Map((_, record, _) => KeyValuePair.Create(record.Prediction!.PredictionId, new JoinPart(Prediction: record.Prediction)))
            .WithRecordTimestamp((_, part, _) => part.Prediction!.Time.ToUnixTimeMilliseconds()));

        var outcomes = joinParts.Aggregate((a, b) => a.Merge(b))
            .Repartition(Repartitioned<string, JoinPart>.As(JoinName).WithKeySerdes(Keys).WithValueSerdes(new JsonSerDes<JoinPart>(FeatureStoreJsonContext.Default.JoinPart))
                .WithStreamPartitioner((topic, key, _, _, count) => KeyPartitioner.For(topic, key, count)))
            .Transform(
                TransformerBuilder.New<string, JoinPart, string, JoinOutcome?>()
                    .Transformer<TrainingExampleAssembler>(settings.JoinHorizon)
                    .StateStore(Stores.KeyValueStoreBuilder(Stores.InMemoryKeyValueStore(TrainingExampleAssembler.StoreName), Keys, new JsonSerDes<PendingExample>(FeatureStoreJsonContext.Default.PendingExample)))
                    .Build(),
                JoinName)
            .Filter((_, outcome, _) => outcome is not null);
        outcomes.Filter((_, outcome, _) => outcome!.Example is not null)
            .Peek((_, _, _) => metrics.ExamplesJoined.Inc())
            .MapValues((outcome, _) => JsonSerializer.SerializeToUtf8Bytes(outcome!.Example!, ContractsJsonContext.Default.TrainingExample))
            .To(Topics.TrainingExamples, Keys, new ByteArraySerDes());
        DeadLetters(outcomes.Filter((_, outcome, _) => outcome!.Unmatched is not null)
            .MapValues((outcome, context) => Reject(context, Topics.Labels, UnmatchedLabelReason,
                $"nothing to join this label with (no {(outcome!.Unmatched!.PredictionId is null ? "event features" : "logged prediction")}) within {settings.JoinHorizon}",
                JsonSerializer.SerializeToUtf8Bytes(outcome.Unmatched, ContractsJsonContext.Default.Label))));
        return builder.Build();
    }

    /// <summary>The parsed records of one topic; unparseable ones are dead-lettered here, once.</summary>
    private IKStream<string, SourceRecord> Read(StreamBuilder builder, string topic)
    {
        var parsed = builder.Stream(topic, Keys, new ByteArraySerDes())
            .MapValues((raw, context) => SourceRecord.Parse(topic, raw, context.Timestamp));
        DeadLetters(parsed.Filter((_, record, _) => !record.IsValid)
            .MapValues((record, context) => Reject(context, topic, SourceRecord.MalformedReason, record.Error, record.Raw)));
        return parsed.Filter((_, record, _) => record.IsValid);
    }

    private IKStream<string, JoinPart> BuildView(StreamBuilder builder, FeatureView view, IKStream<string, SourceRecord> events, IKStream<string, SourceRecord> labels)
    {
        var sourceGate = new LatenessGate(view.Grace);
        var watermarks = new WatermarkEmitter(sourceGate, settings.Watermarks, settings.Partitions);
        var inputs = events.FlatMap((_, record, context) => EventInputs(view, record, sourceGate, watermarks, context));
        if (view.Source == FeatureSource.Labels)
            inputs = inputs.Merge(labels.FlatMap((_, record, context) => LabelInputs(view, record, sourceGate, watermarks, context)));
        var windowGate = new LatenessGate(WindowGrace(view));
        var routed = inputs
            .WithRecordTimestamp((_, input, _) => input.TimeMs)
            .Repartition(Repartitioned<string, FeatureInput>.As(view.Name).WithKeySerdes(Keys).WithValueSerdes(Inputs)
                .WithStreamPartitioner((topic, key, _, _, count) => KeyPartitioner.For(topic, key, count)))
            .Branch(
                (_, input, _) => input.Kind is FeatureInputKind.Probe or FeatureInputKind.Watermark,
                (_, input, context) => input.Kind == FeatureInputKind.Late || windowGate.IsLate(context.Topic, context.Partition, input.TimeMs),
                (_, _, _) => true);
        var (probes, late, onTime) = (routed[0], routed[1], routed[2]);

        DeadLetters(late
            .Peek((_, _, _) => metrics.LateRecords.WithLabels(view.Name).Inc())
            .MapValues((input, context) => Reject(context, StreamOf(view), LateReason,
                input.Kind == FeatureInputKind.Late
                    ? $"{view.Name}: time {DateTimeOffset.FromUnixTimeMilliseconds(input.TimeMs):O} is more than the grace {view.Grace} behind its partition's newest"
                    : $"{view.Name}: time {DateTimeOffset.FromUnixTimeMilliseconds(input.TimeMs):O} is more than {WindowGrace(view)} behind other partitions' newest; raise Features:SkewAllowance",
                Encoding.UTF8.GetBytes(input.RecordId))));

        onTime
            .Peek((_, _, _) => metrics.Aggregated.WithLabels(view.Name).Inc())
            .GroupByKey()
            .WindowedBy(TumblingWindowOptions.Of(view.Window.Advance, WindowGrace(view)))
            .Aggregate(
                () => FeatureAggregate.For(view),
                (_, input, aggregate) => aggregate.Add(input),
                Materialized<string, FeatureAggregate, IWindowStore<Bytes, byte[]>>
                    .Create(Stores.PersistentWindowStore(StoreName(view), Retention(view), view.Window.Advance, SegmentInterval(view), false))
                    .WithKeySerdes(Keys)
                    .WithValueSerdes(Aggregates)
                    .WithCachingDisabled())
            .ToStream()
            .Process(ProcessorBuilder.New<Windowed<string>, FeatureAggregate>()
                .Processor<CurrentWindowWriter>(view, sink)
                .StateStore(new OnlineWriteBarrier.Builder(OnlineWriteBarrier.StoreName(view), sink))
                .Build(), $"{view.Name}-online-store", StoreName(view));

        // The probe reader keeps its own record of on-time updates by exact time: probes need what came before
        // their time, which the windows (summing everything in them) cannot tell apart. A transformer builder
        // takes one store; the waiting probes' store is added to the topology and named.
        builder.AddStateStore(Stores.KeyValueStoreBuilder(Stores.InMemoryKeyValueStore(ProbeReader.ProbeStoreName(view)), Keys, Inputs));
        return probes.Merge(onTime).Transform(
                TransformerBuilder.New<string, FeatureInput, string, JoinPart?>()
                    .Transformer<ProbeReader>(new ProbeReader.For(view, settings.Watermarks, settings.Partitions, metrics))
                    .StateStore(Stores.WindowStoreBuilder(
                        Stores.PersistentWindowStore(ProbeReader.RecordStoreName(view), Retention(view), TimeSpan.FromMilliseconds(1), SegmentInterval(view), false),
                        Keys, ValuesByTime))
                    .Build(),
                $"{view.Name}-probe",
                ProbeReader.ProbeStoreName(view))
            .Filter((_, part, _) => part is not null)
            .MapValues((part, _) => part!)
            .WithRecordTimestamp((_, part, _) => part.AsOfMs!.Value);
    }

    /// <summary>
    /// How far behind the newest time a window stays open after the repartition: the view's grace, plus the
    /// allowance for source partitions processed at different paces (catching up on a backlog, one partition
    /// can run hours of event time ahead of another; none of that is the producers' lateness).
    /// </summary>
    private TimeSpan WindowGrace(FeatureView view) => view.Grace + settings.SkewAllowance;

    /// <summary>How long a view's window stores keep a window: while it can still be current or take a record.</summary>
    private TimeSpan Retention(FeatureView view) => view.Window.Size + WindowGrace(view);

    /// <summary>
    /// Event time per RocksDB segment of a view's window stores. Each segment is a RocksDB instance of its own,
    /// opened as time reaches it and flushed at every commit: Kafka Streams' default of half the retention
    /// (three segments) keeps that to a few. Expired records go a segment at a time, so up to half the
    /// retention later.
    /// </summary>
    private long SegmentInterval(FeatureView view) => (long)(Retention(view).TotalMilliseconds / 2);

    /// <summary>The views an event of the predicted type gets features from: those whose entity it names.</summary>
    public IEnumerable<FeatureView> ProbedViews(EntityEvent entityEvent) =>
        _set.Views.Where(view => ViewInputs.EntityOf(view, entityEvent.Keys) is not null);

    private IEnumerable<KeyValuePair<string, FeatureInput>> EventInputs(FeatureView view, SourceRecord record, LatenessGate gate, WatermarkEmitter watermarks, IRecordContext context)
    {
        var entityEvent = record.Event!;
        if (ViewInputs.EntityOf(view, entityEvent.Keys) is not { } entity) yield break;
        var timeMs = entityEvent.Time.ToUnixTimeMilliseconds();
        // The probe goes first: an event's features never include the event itself.
        if (entityEvent.Type == _set.PredictedEventType)
            yield return KeyValuePair.Create(entity, new FeatureInput(FeatureInputKind.Probe, 0, timeMs, record.IngestMs, entityEvent.Id));
        if (!ViewInputs.Feeds(view, entityEvent)) yield break;
        if (ViewInputs.ValueOf(view, entityEvent) is { } value)
        {
            yield return KeyValuePair.Create(entity, new FeatureInput(UpdateKind(gate, context, timeMs), value, timeMs, record.IngestMs, entityEvent.Id));
            foreach (var watermark in watermarks.After(context.Topic, context.Partition)) yield return watermark;
        }
        else
            metrics.MissingField.WithLabels(view.Name).Inc();
    }

    private IEnumerable<KeyValuePair<string, FeatureInput>> LabelInputs(FeatureView view, SourceRecord record, LatenessGate gate, WatermarkEmitter watermarks, IRecordContext context)
    {
        var label = record.Label!;
        if (ViewInputs.EntityOf(view, label) is not { } entity) yield break;
        if (ViewInputs.ValueOf(view, label) is not { } value)
        {
            metrics.MissingField.WithLabels(view.Name).Inc();
            yield break;
        }
        var timeMs = label.Time.ToUnixTimeMilliseconds();
        yield return KeyValuePair.Create(entity, new FeatureInput(UpdateKind(gate, context, timeMs), value, timeMs, record.IngestMs, label.Id));
        foreach (var watermark in watermarks.After(context.Topic, context.Partition)) yield return watermark;
    }

    /// <summary>Lateness is judged on the source partition, in the order the producer wrote it.</summary>
    private static FeatureInputKind UpdateKind(LatenessGate gate, IRecordContext context, long timeMs) =>
        gate.IsLate(context.Topic, context.Partition, timeMs) ? FeatureInputKind.Late : FeatureInputKind.Update;

    /// <summary>The topic whose records update the view (and whose partitions' watermarks its probes wait for).</summary>
    public static string StreamOf(FeatureView view) => view.Source == FeatureSource.Events ? Topics.Events : Topics.Labels;

    private byte[] Reject(IRecordContext context, string stream, string reason, string? detail, byte[] value)
    {
        metrics.DeadLettered.WithLabels(stream, reason).Inc();
        context.SetHeaders(DeadLetter.Headers(reason, detail, stream, Source, DateTimeOffset.UtcNow, value.Length));
        return DeadLetter.Value(value);
    }

    private static void DeadLetters(IKStream<string, byte[]> rejected) => rejected.To(Topics.DeadLetter, Keys, new ByteArraySerDes());
}
