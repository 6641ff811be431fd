using System.Runtime.CompilerServices;
using System.Text.Json;
using Streaming.Contracts;
using Streaming.Offline.Lake;

namespace Streaming.Offline.Backfill;

/// <summary>An archived event, label or prediction log (exactly one is set), in the order the backfill folds it in.</summary>
public sealed record HistoryRecord(EntityEvent? Event, Label? Label, PredictionLog? Prediction = null)
{
    public DateTimeOffset Time => Event?.Time ?? Label?.Time ?? Prediction!.Time;
}

/// <summary>History in event-time order, for the backfill: from the lake, hour by hour (a domain's own files are mapped to records by its composition root).</summary>
public static class HistorySource
{
    /// <summary>
    /// The lake's events, labels and prediction logs with times in [from, to), hour by hour (the lake's partitioning),
    /// each hour sorted by time; records the contracts cannot read are skipped (ingest rejected such records before Kafka).
    /// </summary>
    public static async IAsyncEnumerable<HistoryRecord> FromLakeAsync(LakeStore lake, DateTime from, DateTime to,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // The lake's file list once (its commits), grouped by hour: each hour is read, sorted and folded in turn.
        var byHour = lake.Files().Where(f => LakeStore.InRange(f.Hour, from, to)).GroupBy(f => f.Hour).OrderBy(g => g.Key);
        foreach (var hour in byHour)
        {
            var records = new List<(long Order, HistoryRecord Record)>();
            foreach (var (topic, _, file) in hour)
            {
                foreach (var row in await lake.ReadFileAsync(file, cancellationToken))
                {
                    HistoryRecord? record = topic switch
                    {
                        Topics.Events => JsonSerializer.Deserialize(row.value, ContractsJsonContext.Default.EntityEvent) is { } e ? new(e, null) : null,
                        Topics.Labels => JsonSerializer.Deserialize(row.value, ContractsJsonContext.Default.Label) is { } l ? new(null, l) : null,
                        Topics.Predictions => JsonSerializer.Deserialize(row.value, ContractsJsonContext.Default.PredictionLog) is { } p ? new(null, null, p) : null,
                        _ => null,
                    };
                    if (record is not null) records.Add((row.offset, record));
                }
            }
            foreach (var (_, record) in records.Where(r => r.Record.Time >= from && r.Record.Time < to).OrderBy(r => r.Record.Time).ThenBy(r => r.Order))
                yield return record;
        }
    }
}
