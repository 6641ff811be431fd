using Streaming.FeatureStore.Aggregation;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Training;
using Streaming.Flights;

namespace Streaming.Tests.Features;

/// <summary>An aggregate that overflowed is never served: defaults, flagged, instead of an infinity no JSON can carry.</summary>
public sealed class NonFiniteFeatureTests
{
    [Fact]
    public void Two_huge_finite_values_overflow_a_sum_and_the_view_comes_back_defaulted_and_flagged()
    {
        var view = FlightFeatureViews.All.First(v => v.Source == FeatureSource.Events && v.Aggregations.Count > 1);
        var aggregate = FeatureAggregate.For(view);
        aggregate.Add(1e308, 1_000, 1_000);
        aggregate.Add(1e308, 2_000, 2_000);

        var snapshot = ViewSnapshot.AsOf(view, "BOS", aggregate, 3_000);

        Assert.Equal(SnapshotStatus.NonFinite, snapshot.Status);
        Assert.True(snapshot.IsDefault);
        Assert.All(view.Aggregations, a => Assert.Equal(view.DefaultFor(a), snapshot.Values[a.Name()]));
        Assert.All(snapshot.Values.Values, v => Assert.True(double.IsFinite(v)));
    }
}
