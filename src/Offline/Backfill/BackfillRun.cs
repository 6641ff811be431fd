using System.Text.Json;
using Parquet.Serialization;
using Streaming.Contracts;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Training;

namespace Streaming.Offline.Backfill;

/// <summary>A row of a backfilled training set (Parquet): the label joined with the features as of its event's time.</summary>
public sealed class TrainingSetRow
{
#pragma warning disable CA1707, IDE1006 // column names
    public string id { get; set; } = "";
    public DateTime time { get; set; }
    public double label { get; set; }
    /// <summary>The whole example as JSON, exactly the record the training-examples topic carries.</summary>
    public string example { get; set; } = "";
#pragma warning restore CA1707, IDE1006
}

/// <summary>
/// One backfill: history in time order through <see cref="FeatureBackfill"/>, each label joined point in time, as the
/// streaming label join does: a label naming an event gets that event's features probed as of the event (before its
/// own update); a label naming a logged prediction gets exactly the features serving logged. Examples are written to
/// a Parquet training set in row groups. Events and predictions waiting for a label longer than the join horizon
/// (event time) are dropped, as the streaming join dead-letters labels that come too late.
/// </summary>
public sealed class BackfillRun(FeatureSet set, TimeSpan joinHorizon)
{
    private const int RowGroup = 50_000;
    private readonly Dictionary<string, (EntityEvent Event, IReadOnlyList<ViewSnapshot> Views)> _waiting = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PredictionLog> _predictions = new(StringComparer.Ordinal);
    private readonly Queue<(DateTimeOffset Time, string Id)> _byTime = new();

    public FeatureBackfill Features { get; } = new(set);
    public long Examples { get; private set; }
    public long UnmatchedLabels { get; private set; }
    public DateTimeOffset? Watermark { get; private set; }

    /// <summary>Runs the history through; writes the training set to <paramref name="trainingSet"/> when given.</summary>
    public async Task RunAsync(IAsyncEnumerable<HistoryRecord> history, string? trainingSet, CancellationToken cancellationToken)
    {
        Stream? output = trainingSet is null ? null : File.Create(trainingSet + ".tmp");
        var rows = new List<TrainingSetRow>(RowGroup);
        var append = false;
        try
        {
            await foreach (var record in history.WithCancellation(cancellationToken))
            {
                Watermark = record.Time;
                if (record.Event is { } entityEvent)
                {
                    if (Features.Add(entityEvent) is { } views)
                    {
                        _waiting[entityEvent.Id] = (entityEvent, views);
                        _byTime.Enqueue((entityEvent.Time, entityEvent.Id));
                    }
                    Expire(entityEvent.Time);
                    continue;
                }
                if (record.Prediction is { } prediction)
                {
                    _predictions[prediction.PredictionId] = prediction;
                    _byTime.Enqueue((prediction.Time, prediction.PredictionId));
                    continue;
                }
                var label = record.Label!;
                Features.Add(label);
                if (Join(label) is not { } example)
                {
                    UnmatchedLabels++;
                    continue;
                }
                Examples++;
                if (output is null) continue;
                rows.Add(new TrainingSetRow
                {
                    id = example.Id,
                    time = example.Time.UtcDateTime,
                    label = label.Value,
                    example = JsonSerializer.Serialize(example, ContractsJsonContext.Default.TrainingExample),
                });
                if (rows.Count < RowGroup) continue;
                await ParquetSerializer.SerializeAsync(rows, output, new Parquet.ParquetOptions { Append = append }, cancellationToken: cancellationToken);
                append = true;
                rows.Clear();
            }
            if (output is not null && (rows.Count > 0 || !append))
                await ParquetSerializer.SerializeAsync(rows, output, new Parquet.ParquetOptions { Append = append }, cancellationToken: cancellationToken);
        }
        finally
        {
            if (output is not null) await output.DisposeAsync();
        }
        if (trainingSet is not null) File.Move(trainingSet + ".tmp", trainingSet, overwrite: true);
    }

    private TrainingExample? Join(Label label)
    {
        if (label.PredictionId is { } predictionId)
            return _predictions.Remove(predictionId, out var logged)
                ? new TrainingExample(label.Id, logged.Time, label.Value, logged.Features, logged.PredictionId, logged.Score, logged.ModelVersion)
                : null;
        return label.EventId is not null && _waiting.Remove(label.EventId, out var waiting)
            ? new TrainingExample(label.Id, waiting.Event.Time, label.Value, ExampleFeatures.Compose(waiting.Event, waiting.Views))
            : null;
    }

    private void Expire(DateTimeOffset now)
    {
        while (_byTime.TryPeek(out var oldest) && oldest.Time < now - joinHorizon)
        {
            _byTime.Dequeue();
            _waiting.Remove(oldest.Id);
            _predictions.Remove(oldest.Id);
        }
    }
}
