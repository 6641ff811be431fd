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
/// Resumable: with a training set, a <see cref="BackfillCheckpoint"/> is saved beside it after every row group, and a
/// run that finds one (same history, same output) continues from it instead of starting over.
/// </summary>
public sealed class BackfillRun(FeatureSet set, TimeSpan joinHorizon, int rowGroup = 50_000)
{
    private readonly Dictionary<string, (EntityEvent Event, IReadOnlyList<ViewSnapshot> Views)> _waiting = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PredictionLog> _predictions = new(StringComparer.Ordinal);
    private readonly Queue<(DateTimeOffset Time, string Id)> _byTime = new();
    private long _consumed;
    private int _rowGroups;

    public FeatureBackfill Features { get; } = new(set);
    public long Examples { get; private set; }
    public long UnmatchedLabels { get; private set; }
    public DateTimeOffset? Watermark { get; private set; }

    /// <summary>True when this run continued from a checkpoint.</summary>
    public bool Resumed { get; private set; }

    public static string CheckpointPath(string trainingSet) => trainingSet + ".checkpoint.json";

    /// <summary>Runs the history through; writes the training set to <paramref name="trainingSet"/> when given.</summary>
    public async Task RunAsync(IAsyncEnumerable<HistoryRecord> history, string? trainingSet, CancellationToken cancellationToken)
    {
        var partial = trainingSet + ".tmp";
        if (trainingSet is not null) await ResumeAsync(trainingSet, partial, cancellationToken);
        Stream? output = trainingSet is null ? null : new FileStream(partial, FileMode.OpenOrCreate, FileAccess.ReadWrite);
        var rows = new List<TrainingSetRow>(rowGroup);
        var skip = _consumed;
        try
        {
            await foreach (var record in history.WithCancellation(cancellationToken))
            {
                if (skip > 0)
                {
                    skip--; // already in the checkpoint
                    continue;
                }
                _consumed++;
                if (Fold(record) is not { } example || output is null) continue;
                rows.Add(new TrainingSetRow
                {
                    id = example.Id,
                    time = example.Time.UtcDateTime,
                    label = example.Label ?? double.NaN,
                    example = JsonSerializer.Serialize(example, ContractsJsonContext.Default.TrainingExample),
                });
                if (rows.Count < rowGroup) continue;
                await WriteRowGroupAsync(output, rows, trainingSet!, cancellationToken);
            }
            if (output is not null && (rows.Count > 0 || _rowGroups == 0)) await WriteRowGroupAsync(output, rows, null, cancellationToken);
        }
        finally
        {
            if (output is not null) await output.DisposeAsync();
        }
        if (trainingSet is null) return;
        File.Move(partial, trainingSet, overwrite: true);
        File.Delete(CheckpointPath(trainingSet));
    }

    /// <summary>Folds one record in; returns the training example it completes, if any.</summary>
    private TrainingExample? Fold(HistoryRecord record)
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
            return null;
        }
        if (record.Prediction is { } prediction)
        {
            _predictions[prediction.PredictionId] = prediction;
            _byTime.Enqueue((prediction.Time, prediction.PredictionId));
            return null;
        }
        var label = record.Label!;
        Features.Add(label);
        var example = Join(label);
        if (example is null) UnmatchedLabels++;
        else Examples++;
        return example;
    }

    /// <summary>Appends a row group; then, mid-run (<paramref name="checkpointFor"/> set), saves a checkpoint that counts it.</summary>
    private async Task WriteRowGroupAsync(Stream output, List<TrainingSetRow> rows, string? checkpointFor, CancellationToken cancellationToken)
    {
        output.Seek(0, SeekOrigin.End);
        await ParquetSerializer.SerializeAsync(rows, output, new Parquet.ParquetOptions { Append = _rowGroups > 0 }, cancellationToken: cancellationToken);
        await output.FlushAsync(cancellationToken);
        _rowGroups++;
        rows.Clear();
        if (checkpointFor is null) return;
        var checkpoint = new BackfillCheckpoint(_consumed, Features.Records, Examples, UnmatchedLabels, _rowGroups, Watermark, Features.ExportTiles(), Features.ExportDeferred(),
            [.. _waiting.Values.Select(w => new WaitingEvent(w.Event, w.Views))], [.. _predictions.Values], [.. _byTime.Select(e => new WaitingId(e.Time, e.Id))]);
        var path = CheckpointPath(checkpointFor);
        await File.WriteAllBytesAsync(path + ".tmp", JsonSerializer.SerializeToUtf8Bytes(checkpoint, OfflineJsonContext.Default.BackfillCheckpoint), cancellationToken);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>
    /// Continues from a checkpoint when there is one: restores the state, and cuts the partial training set back to the
    /// row groups the checkpoint counts (a crash between appending a row group and saving the checkpoint leaves one more).
    /// </summary>
    private async Task ResumeAsync(string trainingSet, string partial, CancellationToken cancellationToken)
    {
        var path = CheckpointPath(trainingSet);
        if (!File.Exists(path) || !File.Exists(partial))
        {
            File.Delete(partial);
            return;
        }
        var checkpoint = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(path, cancellationToken), OfflineJsonContext.Default.BackfillCheckpoint)!;
        if (checkpoint.Tiles is null)
            throw new InvalidDataException($"{path} is a checkpoint of an earlier version (windows, not tiles); delete it and {partial} to start over.");
        await using (var reader = await Parquet.ParquetReader.CreateAsync(partial, cancellationToken: cancellationToken))
        {
            if (reader.RowGroupCount < checkpoint.RowGroups)
                throw new InvalidDataException($"{partial} has {reader.RowGroupCount} row groups but its checkpoint counts {checkpoint.RowGroups}; delete both to start over.");
        }
        var kept = new List<TrainingSetRow>();
        for (var group = 0; group < checkpoint.RowGroups; group++)
            kept.AddRange((await ParquetSerializer.DeserializeAsync<TrainingSetRow>(partial, rowGroupIndex: group, cancellationToken: cancellationToken)).Data);
        await using (var rewritten = File.Create(partial + ".cut"))
            for (var group = 0; group < checkpoint.RowGroups; group++)
                await ParquetSerializer.SerializeAsync(kept.Skip(group * rowGroup).Take(rowGroup), rewritten, new Parquet.ParquetOptions { Append = group > 0 }, cancellationToken: cancellationToken);
        File.Move(partial + ".cut", partial, overwrite: true);

        Features.Import(checkpoint.Tiles, checkpoint.Deferred, checkpoint.Records);
        foreach (var waiting in checkpoint.Waiting) _waiting[waiting.Event.Id] = (waiting.Event, waiting.Views);
        foreach (var prediction in checkpoint.Predictions) _predictions[prediction.PredictionId] = prediction;
        foreach (var entry in checkpoint.Expiry) _byTime.Enqueue((entry.Time, entry.Id));
        (_consumed, Examples, UnmatchedLabels, _rowGroups, Watermark, Resumed) =
            (checkpoint.Consumed, checkpoint.Examples, checkpoint.UnmatchedLabels, checkpoint.RowGroups, checkpoint.Watermark, true);
    }

    /// <summary>
    /// A label that names its event gets the event's point-in-time features (what the backfill is for, also when the
    /// label names a prediction too); one that names only a prediction gets the features that prediction logged.
    /// </summary>
    private TrainingExample? Join(Label label)
    {
        var logged = label.PredictionId is { } predictionId && _predictions.Remove(predictionId, out var found) ? found : null;
        if (label.EventId is not null && _waiting.Remove(label.EventId, out var waiting))
            return new TrainingExample(label.Id, waiting.Event.Time, label.Value, ExampleFeatures.Compose(waiting.Event, waiting.Views),
                logged?.PredictionId, logged?.Score, logged?.ModelVersion);
        return logged is null ? null
            : new TrainingExample(label.Id, logged.Time, label.Value, logged.Features, logged.PredictionId, logged.Score, logged.ModelVersion);
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
