using Streaming.FeatureStore.Aggregation;
using Streaming.FeatureStore.Definitions;
using static Streaming.Tests.Features.TestViews;

namespace Streaming.Tests.Features;

/// <summary>A hopping window is the merge of its panes: merging must equal folding the same values one by one.</summary>
public class FeatureAggregateMergeTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(40)]
    public void Merged_panes_equal_one_aggregate_of_all_their_values(int panes)
    {
        var random = new Random(panes);
        // Whole numbers (as delays and distances are) add up exactly in any order, so equality can be exact.
        var values = Enumerable.Range(0, 500).Select(i => (Value: (double)random.Next(-60, 600), TimeMs: 1_000L * i)).ToList();
        var whole = FeatureAggregate.For(Hopping);
        foreach (var (value, timeMs) in values) whole.Add(value, timeMs, ingestMs: timeMs + 7);

        var merged = FeatureAggregate.For(Hopping);
        foreach (var pane in values.Chunk((values.Count + panes - 1) / panes))
        {
            var aggregate = FeatureAggregate.For(Hopping);
            foreach (var (value, timeMs) in pane) aggregate.Add(value, timeMs, ingestMs: timeMs + 7);
            merged.Merge(aggregate);
        }

        foreach (var aggregation in Every) Assert.Equal(whole.Value(aggregation), merged.Value(aggregation));
        Assert.Equal(whole.MaxTimeMs, merged.MaxTimeMs);
        Assert.Equal(whole.NewestIngestMs, merged.NewestIngestMs);
        Assert.Equal(whole.Serialize(), merged.Serialize());
    }

    [Fact]
    public void An_empty_pane_changes_nothing()
    {
        var aggregate = FeatureAggregate.For(Hopping).Add(5, 1_000, 1_010).Add(7, 2_000, 2_010);
        var before = aggregate.Serialize();
        aggregate.Merge(FeatureAggregate.For(Hopping));
        Assert.Equal(before, aggregate.Serialize());
        Assert.Null(FeatureAggregate.For(Hopping).Merge(FeatureAggregate.For(Hopping)).Value(Aggregation.Last));
    }
}
