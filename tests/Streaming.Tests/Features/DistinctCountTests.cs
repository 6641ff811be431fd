using Streaming.Contracts;
using Streaming.FeatureStore.Aggregation;
using Streaming.FeatureStore.Definitions;
using Streaming.Offline.Backfill;
using Streaming.Tests.Support;
using static Streaming.Tests.Features.TestViews;

namespace Streaming.Tests.Features;

/// <summary>Aggregation.DistinctCount: a HyperLogLog sketch per window, the same in streaming and in the backfill.</summary>
public class DistinctCountTests
{
    /// <summary>Distinct items a user bought in 10 minutes (and how many purchases).</summary>
    private static readonly FeatureView Items = new("items_10m", "user", FeatureSource.Events, Purchase, null,
        [Aggregation.Count, Aggregation.DistinctCount], WindowSpec.Tumbling(TimeSpan.FromMinutes(10)), Grace, TimeSpan.FromHours(1), DistinctOf: "item");

    private static EntityEvent Bought(string id, string user, TimeSpan at, string? item) =>
        new(id, Purchase, T0 + at, item is null ? new Dictionary<string, string> { ["user"] = user } : new Dictionary<string, string> { ["user"] = user, ["item"] = item },
            new Dictionary<string, FieldValue> { ["amount"] = 1 });

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(100)]
    [InlineData(1_000)]
    [InlineData(10_000)]
    [InlineData(200_000)]
    public void The_estimate_is_close_to_the_true_number_of_distinct_values_and_repeats_change_nothing(int distinct)
    {
        var sketch = new DistinctSketch();
        for (var i = 0; i < distinct; i++) sketch.Add(i * 1.5);
        var once = sketch.Estimate();
        for (var repeat = 0; repeat < 2; repeat++)
            for (var i = distinct - 1; i >= 0; i--) sketch.Add(i * 1.5);
        Assert.Equal(once, sketch.Estimate());
        // Within three standard errors: 3 × 6.5 % for HyperLogLog; linear counting (small sets) has about 5 % at 100.
        var tolerance = Math.Max(1, 0.2 * distinct);
        Assert.InRange(sketch.Estimate(), distinct - tolerance, distinct + tolerance);
    }

    [Fact]
    public void An_aggregate_keeps_its_sketch_through_serialization_and_only_views_that_count_distinct_values_carry_one()
    {
        var aggregate = FeatureAggregate.For(Items);
        foreach (var value in new[] { 3.0, 5, 3, 7, 5 }) aggregate.Add(value, timeMs: 1, ingestMs: 1);
        var restored = FeatureAggregate.Deserialize(aggregate.Serialize());
        Assert.Equal(3, restored.Value(Aggregation.DistinctCount));
        Assert.Equal(5, restored.Value(Aggregation.Count));

        var plain = FeatureAggregate.For(new FeatureView("n", "user", FeatureSource.Events, Purchase, null, [Aggregation.Count],
            WindowSpec.Tumbling(TimeSpan.FromMinutes(10)), Grace, TimeSpan.FromHours(1)));
        Assert.True(plain.Serialize().Length < aggregate.Serialize().Length);
        Assert.Null(FeatureAggregate.Deserialize(plain.Add(1, 1, 1).Serialize()).Value(Aggregation.DistinctCount));
    }

    [Fact]
    public void A_view_counting_distinct_keys_computes_nothing_else_of_them()
    {
        Items.Validate();
        var error = Assert.Throws<ArgumentException>(() => (Items with { Aggregations = [Aggregation.DistinctCount, Aggregation.Mean] }).Validate());
        Assert.Contains("only count and distinct count", error.Message);
    }

    [Fact]
    public void Streaming_counts_distinct_items_per_window_as_the_backfill_does()
    {
        var set = new FeatureSet([Items], Purchase);
        (string Item, double At)[] purchases = [("a", 1), ("b", 2), ("a", 3), ("c", 4), ("b", 5), ("d", 12)];
        using var driver = new FeatureDriver(set);
        var backfill = new FeatureBackfill(set);
        for (var i = 0; i < purchases.Length; i++)
        {
            var purchase = Bought($"p{i}", "u1", Min(purchases[i].At), purchases[i].Item);
            driver.Publish(purchase);
            backfill.Add(purchase);
            if (i == 4) Assert.Equal(3, driver.Online[Items.Name, "u1"].Aggregate.Value(Aggregation.DistinctCount)); // a, b, c
        }
        var streamed = driver.Online[Items.Name, "u1"].Aggregate;
        Assert.Equal(1, streamed.Value(Aggregation.DistinctCount)); // the next window: d alone
        Assert.Equal(streamed.Value(Aggregation.DistinctCount), Assert.Single(backfill.Latest()).Aggregate.Value(Aggregation.DistinctCount));

        // A purchase without an item counts as missing for the view, not as a value.
        driver.Publish(Bought("no-item", "u1", Min(13), null));
        Assert.Equal(1, driver.Metrics.MissingField.WithLabels(Items.Name).Value);
        Assert.Equal(1, driver.Online[Items.Name, "u1"].Aggregate.Value(Aggregation.Count));
    }
}
