using Streaming.Contracts;
using Streaming.FeatureStore.Definitions;

namespace Streaming.Tests.Features;

/// <summary>Small feature views over a "purchase" event with an amount, and an "outcome" label, keyed by user.</summary>
public static class TestViews
{
    public const string Purchase = "purchase";
    public const string Outcome = "outcome";
    public static readonly DateTimeOffset T0 = new(2024, 3, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(1);

    public static readonly Aggregation[] Every = Enum.GetValues<Aggregation>();

    public static FeatureView Tumbling { get; } = new("amount_10m", "user", FeatureSource.Events, Purchase, "amount",
        Every, WindowSpec.Tumbling(TimeSpan.FromMinutes(10)), Grace, TimeSpan.FromHours(1));

    public static FeatureView Hopping { get; } = new("amount_hop", "user", FeatureSource.Events, Purchase, "amount",
        Every, WindowSpec.Hopping(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(5)), Grace, TimeSpan.FromHours(1));

    public static FeatureView Outcomes { get; } = new("outcome_10m", "user", FeatureSource.Labels, Outcome, null,
        [Aggregation.Count, Aggregation.Mean], WindowSpec.Tumbling(TimeSpan.FromMinutes(10)), Grace, TimeSpan.FromHours(1),
        new Dictionary<Aggregation, double> { [Aggregation.Mean] = -1 });

    public static FeatureSet Set { get; } = new([Tumbling, Hopping, Outcomes], Purchase);

    public static EntityEvent Purchased(string id, string user, TimeSpan at, double amount) =>
        new(id, Purchase, T0 + at, new Dictionary<string, string> { ["user"] = user }, new Dictionary<string, FieldValue> { ["amount"] = amount });

    public static Label Outcomed(string eventId, string user, TimeSpan eventAt, TimeSpan at, double value) =>
        new($"{eventId}-outcome", Outcome, value, T0 + at, EventId: eventId, Keys: new Dictionary<string, string> { ["user"] = user }, EventTime: T0 + eventAt);

    public static long Ms(TimeSpan at) => (T0 + at).ToUnixTimeMilliseconds();

    public static TimeSpan Min(double minutes) => TimeSpan.FromMinutes(minutes);
}
