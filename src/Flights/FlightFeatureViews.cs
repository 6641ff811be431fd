using Streaming.FeatureStore.Definitions;

namespace Streaming.Flights;

/// <summary>
/// The flights model's streaming features. Record names match what the flights replay publishes
/// (departure events "flight.departure", labels "departure_delay_minutes" at landing time).
/// </summary>
public static class FlightFeatureViews
{
    public const string DepartureType = "flight.departure";
    public const string DelayLabel = "departure_delay_minutes";

    /// <summary>Out-of-order tolerance: the BTS data has minute resolution and is sorted by schedule.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(10);

    // Every record updates each hopping window holding it (size / advance of them): four per view keeps
    // the per-record cost down while the current window still covers 75–100 % of the nominal span.
    public static IReadOnlyList<FeatureView> All { get; } =
    [
        // Departures scheduled from the origin in the last hour: how busy the airport is.
        new("origin_departures_1h", "origin", FeatureSource.Events, DepartureType, null,
            [Aggregation.Count], WindowSpec.Hopping(TimeSpan.FromHours(1), TimeSpan.FromMinutes(15)), Grace, TimeSpan.FromHours(1)),
        // Delays of the origin's flights that landed in the last two hours: is the airport running late now?
        new("origin_landed_delay_2h", "origin", FeatureSource.Labels, DelayLabel, null,
            [Aggregation.Count, Aggregation.Mean, Aggregation.Max, Aggregation.StdDev], WindowSpec.Hopping(TimeSpan.FromHours(2), TimeSpan.FromMinutes(30)), Grace, TimeSpan.FromHours(2)),
        // Mean delay on the route over a day.
        new("route_delay_24h", "route", FeatureSource.Labels, DelayLabel, null,
            [Aggregation.Count, Aggregation.Mean, Aggregation.Last], WindowSpec.Hopping(TimeSpan.FromHours(24), TimeSpan.FromHours(6)), Grace, TimeSpan.FromHours(24)),
        // Flights bound for the destination in the last hour. The data has no arrival schedule, so the
        // departure time stands in for it (inbound traffic shifted by the flight time).
        new("destination_inbound_1h", "destination", FeatureSource.Events, DepartureType, "distance",
            [Aggregation.Count, Aggregation.Mean], WindowSpec.Tumbling(TimeSpan.FromHours(1)), Grace, TimeSpan.FromHours(1)),
    ];

    /// <summary>The flights feature set: these views, with departures as the events predicted.</summary>
    public static FeatureSet Set { get; } = new(All, DepartureType);
}
