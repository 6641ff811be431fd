using System.Globalization;
using StackExchange.Redis;
using Streaming.Contracts;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Online;

namespace Streaming.Offline.Backfill;

/// <summary>
/// One difference between the streaming features and the backfilled ones, with both values. For the online store:
/// a view, an entity and a field; for training examples: "example", the example id and the feature ("namespace.name").
/// </summary>
public sealed record ParityMismatch(string View, string Entity, string Field, string? Streaming, string? Backfill);

/// <summary>How many (view, entity) values were compared, and every mismatch found.</summary>
public sealed record ParityResult(long Compared, IReadOnlyList<ParityMismatch> Mismatches);

/// <summary>
/// Compares what the streaming pipeline produced with what the backfill computed from the same history: the online
/// store (window, watermark and every aggregation of each (view, entity), in pipelined batches) and the training
/// examples (every feature of every example both have).
/// </summary>
public static class ParityReport
{
    /// <summary>Every feature that differs between a streamed and a backfilled example of the same id (ids only one side has are not compared).</summary>
    public static ParityResult CompareExamples(IEnumerable<TrainingExample> streamed, IEnumerable<TrainingExample> backfilled)
    {
        var byId = streamed.ToDictionary(e => e.Id, StringComparer.Ordinal);
        var mismatches = new List<ParityMismatch>();
        long compared = 0;
        foreach (var example in backfilled)
        {
            if (!byId.TryGetValue(example.Id, out var other)) continue;
            compared++;
            var ours = Flatten(example);
            var theirs = Flatten(other);
            foreach (var feature in ours.Keys.Union(theirs.Keys).Order(StringComparer.Ordinal))
            {
                var (streaming, backfill) = (theirs.GetValueOrDefault(feature), ours.GetValueOrDefault(feature));
                if (streaming != backfill) mismatches.Add(new ParityMismatch("example", example.Id, feature, streaming, backfill));
            }
        }
        return new ParityResult(compared, mismatches);
    }

    private static Dictionary<string, string> Flatten(TrainingExample example) =>
        example.Features.SelectMany(ns => ns.Value.Select(f => KeyValuePair.Create($"{ns.Key}.{f.Key}", f.Value.ToString())))
            .ToDictionary(StringComparer.Ordinal);

    public static async Task<ParityResult> CompareOnlineAsync(IConnectionMultiplexer redis, IEnumerable<OnlineValue> backfilled, int batchSize = 1_000)
    {
        var database = redis.GetDatabase();
        var mismatches = new List<ParityMismatch>();
        long compared = 0;
        foreach (var chunk in backfilled.Chunk(batchSize))
        {
            var batch = database.CreateBatch();
            var reads = chunk.Select(v => (Value: v, Hash: batch.HashGetAllAsync(OnlineKeys.For(v.View.Name, v.Entity)))).ToList();
            batch.Execute();
            foreach (var (value, read) in reads)
            {
                compared++;
                var hash = (await read).ToDictionary(h => h.Name.ToString(), h => h.Value.ToString());
                void Check(string field, double backfill)
                {
                    var streaming = hash.GetValueOrDefault(field);
                    if (streaming is null || !double.TryParse(streaming, CultureInfo.InvariantCulture, out var number) || number != backfill)
                        mismatches.Add(new ParityMismatch(value.View.Name, value.Entity, field, streaming, backfill.ToString("R", CultureInfo.InvariantCulture)));
                }
                Check(OnlineKeys.WindowStart, value.WindowStartMs);
                Check(OnlineKeys.Watermark, value.Aggregate.MaxTimeMs);
                foreach (var aggregation in value.View.Aggregations)
                    Check(aggregation.Name(), value.Aggregate.Value(aggregation) ?? value.View.DefaultFor(aggregation));
            }
        }
        return new ParityResult(compared, mismatches);
    }
}
