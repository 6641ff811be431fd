using System.Globalization;
using StackExchange.Redis;
using Streaming.Contracts;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Online;

namespace Streaming.Offline.Backfill;

/// <summary>One difference between the online store and the backfill for one (view, entity) field, with both values.</summary>
public sealed record ParityMismatch(string View, string Entity, string Field, string? Streaming, string? Backfill);

/// <summary>How many (view, entity) values were compared, and every mismatch found.</summary>
public sealed record ParityResult(long Compared, IReadOnlyList<ParityMismatch> Mismatches);

/// <summary>
/// Online–offline consistency of one feature namespace (a view, or the event's own features) over the examples both
/// sides have: the share of examples whose values are all equal, and the mean absolute difference of its numbers.
/// Chronon's consistency measure: the streamed example holds what serving saw, the backfilled one the exact point in
/// time, and the two differ by the pipeline's lag behind the requests, which this measures rather than forbids.
/// </summary>
public sealed record ViewSkew(string View, long Compared, long Equal, double MeanAbsoluteDifference)
{
    public double ShareEqual => Compared == 0 ? 1 : (double)Equal / Compared;
}

/// <summary>How many examples both sides had, and the skew per namespace.</summary>
public sealed record ExampleSkewResult(long Compared, IReadOnlyList<ViewSkew> Views);

/// <summary>
/// Compares what the streaming pipeline produced with what the backfill computed from the same history: the online
/// store (window, watermark and every aggregation of each (view, entity), merged from its parts as serving reads them)
/// must equal the backfill's; the training examples are compared per namespace (<see cref="ViewSkew"/>).
/// </summary>
internal static class ParityReport
{
    public static ExampleSkewResult CompareExamples(IEnumerable<TrainingExample> streamed, IEnumerable<TrainingExample> backfilled)
    {
        var byId = streamed.ToDictionary(e => e.Id, StringComparer.Ordinal);
        var views = new SortedDictionary<string, (long Compared, long Equal, double AbsoluteDifferences, long Numbers)>(StringComparer.Ordinal);
        long compared = 0;
        foreach (var example in backfilled)
        {
            if (!byId.TryGetValue(example.Id, out var other)) continue;
            compared++;
            foreach (var space in example.Features.Keys.Union(other.Features.Keys))
            {
                var ours = example.Features.GetValueOrDefault(space) ?? new Dictionary<string, FieldValue>();
                var theirs = other.Features.GetValueOrDefault(space) ?? new Dictionary<string, FieldValue>();
                var equal = ours.Count == theirs.Count;
                double differences = 0;
                long numbers = 0;
                foreach (var name in ours.Keys.Union(theirs.Keys))
                {
                    var (a, b) = (ours.GetValueOrDefault(name), theirs.GetValueOrDefault(name));
                    if (a.ToString() != b.ToString()) equal = false;
                    if (a.Kind == FieldKind.Number && b.Kind == FieldKind.Number)
                    {
                        differences += Math.Abs(a.Number - b.Number);
                        numbers++;
                    }
                }
                var seen = views.GetValueOrDefault(space);
                views[space] = (seen.Compared + 1, seen.Equal + (equal ? 1 : 0), seen.AbsoluteDifferences + differences, seen.Numbers + numbers);
            }
        }
        return new ExampleSkewResult(compared, views
            .Select(v => new ViewSkew(v.Key, v.Value.Compared, v.Value.Equal, v.Value.Numbers == 0 ? 0 : v.Value.AbsoluteDifferences / v.Value.Numbers))
            .ToList());
    }

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
                var online = OnlineFeatureReader.Merge(value.View, await read);
                void Check(string field, double? streaming, double backfill)
                {
                    if (streaming != backfill)
                        mismatches.Add(new ParityMismatch(value.View.Name, value.Entity, field, streaming?.ToString("R", CultureInfo.InvariantCulture),
                            backfill.ToString("R", CultureInfo.InvariantCulture)));
                }
                Check("window_start", online?.StartMs, value.WindowStartMs);
                Check("watermark", online?.Aggregate.MaxTimeMs, value.Aggregate.MaxTimeMs);
                foreach (var aggregation in value.View.Aggregations)
                    Check(aggregation.Name(), online is null ? null : online.Aggregate.Value(aggregation) ?? value.View.DefaultFor(aggregation),
                        value.Aggregate.Value(aggregation) ?? value.View.DefaultFor(aggregation));
            }
        }
        return new ParityResult(compared, mismatches);
    }
}
