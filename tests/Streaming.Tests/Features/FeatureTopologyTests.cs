using System.Text.Json;
using Streaming.Contracts;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Streams;
using Streaming.Tests.Support;
using static Streaming.Tests.Features.TestViews;

namespace Streaming.Tests.Features;

public class FeatureTopologyTests
{
    [Fact]
    public void Every_aggregation_over_a_tumbling_window_equals_a_direct_computation()
    {
        using var driver = new FeatureDriver(Set);
        (double At, double Amount)[] purchases = [(1, 2), (3, 5), (2, 3), (9.5, 7)]; // the third arrives out of order, within grace
        for (var i = 0; i < purchases.Length; i++) driver.Publish(Purchased($"p{i}", "u1", Min(purchases[i].At), purchases[i].Amount));

        var (start, end, aggregate) = driver.Online[Tumbling.Name, "u1"];
        Assert.Equal(Ms(Min(0)), start);
        Assert.Equal(Ms(Min(10)), end);
        var amounts = purchases.Select(p => p.Amount).ToArray();
        var mean = amounts.Average();
        Assert.Equal(amounts.Length, aggregate.Value(Aggregation.Count));
        Assert.Equal(amounts.Sum(), aggregate.Value(Aggregation.Sum));
        Assert.Equal(amounts.Sum() / amounts.Length, aggregate.Value(Aggregation.Mean));
        Assert.Equal(amounts.Min(), aggregate.Value(Aggregation.Min));
        Assert.Equal(amounts.Max(), aggregate.Value(Aggregation.Max));
        Assert.Equal(purchases.MaxBy(p => p.At).Amount, aggregate.Value(Aggregation.Last));
        var twoPass = Math.Sqrt(amounts.Sum(a => (a - mean) * (a - mean)) / (amounts.Length - 1));
        Assert.Equal(twoPass, aggregate.Value(Aggregation.StdDev)!.Value, 12);
        Assert.Equal(amounts.Distinct().Count(), aggregate.Value(Aggregation.DistinctCount));
        Assert.Equal(Ms(Min(9.5)), aggregate.MaxTimeMs);
    }

    [Fact]
    public void A_new_tumbling_window_starts_from_nothing()
    {
        using var driver = new FeatureDriver(Set);
        driver.Publish(Purchased("p1", "u1", Min(1), 4));
        driver.Publish(Purchased("p2", "u1", Min(12), 6));
        var (start, _, aggregate) = driver.Online[Tumbling.Name, "u1"];
        Assert.Equal(Ms(Min(10)), start);
        Assert.Equal(1, aggregate.Value(Aggregation.Count));
        Assert.Equal(6, aggregate.Value(Aggregation.Sum));
    }

    [Fact]
    public void A_hopping_window_holds_the_last_size_of_history_up_to_the_newest_event()
    {
        using var driver = new FeatureDriver(Set);
        // Windows of 10 min every 5 min; the current one is the earliest holding the newest event.
        var expected = new[] { (At: 1.0, Start: -5.0, Count: 1L, Sum: 1.0), (7, 0, 2, 3), (12, 5, 2, 5), (16, 10, 2, 7) };
        var amount = 1.0;
        foreach (var (at, windowStart, count, sum) in expected)
        {
            driver.Publish(Purchased($"p{at}", "u1", Min(at), amount++));
            var (start, end, aggregate) = driver.Online[Hopping.Name, "u1"];
            Assert.Equal(Ms(Min(windowStart)), start);
            Assert.Equal(Ms(Min(windowStart + 10)), end);
            Assert.Equal(count, aggregate.Value(Aggregation.Count));
            Assert.Equal(sum, aggregate.Value(Aggregation.Sum));
        }
    }

    [Fact]
    public void A_record_late_within_grace_updates_the_hopping_window_of_the_newest_event_with_every_aggregation()
    {
        using var driver = new FeatureDriver(Set);
        // Panes of 5 min: the late record (0.4 min behind, grace 1 min) lands in an older pane than the newest event's.
        (double At, double Amount)[] purchases = [(1, 4), (4.5, 9), (5.2, 2), (4.8, 6)];
        for (var i = 0; i < purchases.Length; i++) driver.Publish(Purchased($"p{i}", "u1", Min(purchases[i].At), purchases[i].Amount));

        var (start, end, aggregate) = driver.Online[Hopping.Name, "u1"];
        Assert.Equal(Ms(Min(0)), start); // the earliest 10-minute window holding 5.2
        Assert.Equal(Ms(Min(10)), end);
        var amounts = purchases.Select(p => p.Amount).ToArray();
        Assert.Equal(amounts.Length, aggregate.Value(Aggregation.Count));
        Assert.Equal(amounts.Sum(), aggregate.Value(Aggregation.Sum));
        Assert.Equal(amounts.Min(), aggregate.Value(Aggregation.Min));
        Assert.Equal(amounts.Max(), aggregate.Value(Aggregation.Max));
        Assert.Equal(2, aggregate.Value(Aggregation.Last)); // the newest time's value, not the last to arrive
        var mean = amounts.Average();
        Assert.Equal(Math.Sqrt(amounts.Sum(a => (a - mean) * (a - mean)) / (amounts.Length - 1)), aggregate.Value(Aggregation.StdDev)!.Value, 12);
        Assert.Equal(amounts.Distinct().Count(), aggregate.Value(Aggregation.DistinctCount));
        Assert.Equal(Ms(Min(5.2)), aggregate.MaxTimeMs);
    }

    [Fact]
    public void Entities_are_aggregated_apart()
    {
        using var driver = new FeatureDriver(Set);
        driver.Publish(Purchased("p1", "u1", Min(1), 10));
        driver.Publish(Purchased("p2", "u2", Min(2), 20));
        driver.Publish(Purchased("p3", "u1", Min(3), 30));
        Assert.Equal(40, driver.Online[Tumbling.Name, "u1"].Aggregate.Value(Aggregation.Sum));
        Assert.Equal(20, driver.Online[Tumbling.Name, "u2"].Aggregate.Value(Aggregation.Sum));
    }

    [Fact]
    public void Events_later_than_the_grace_are_dead_lettered_and_counted_not_aggregated()
    {
        using var driver = new FeatureDriver(Set);
        driver.Publish(Purchased("p1", "u1", Min(35), 1));
        driver.Publish(Purchased("late", "u1", Min(31), 100)); // 4 min behind, grace 1 min
        driver.Publish(Purchased("ok", "u1", Min(34.5), 2)); // 30 s behind: admitted

        Assert.Equal(3, driver.Online[Tumbling.Name, "u1"].Aggregate.Value(Aggregation.Sum));
        var deadLetters = driver.DeadLetters();
        Assert.Equal(2, deadLetters.Count); // one per events view
        Assert.All(deadLetters, d => Assert.Equal(FeatureTopology.LateReason, d.Reason));
        Assert.All(deadLetters, d => Assert.Equal("late", JsonSerializer.Deserialize(d.Value, ContractsJsonContext.Default.EntityEvent)!.Id));
        Assert.Equal(1, driver.Metrics.LateRecords.WithLabels(Tumbling.Name).Value);
        Assert.Equal(2, driver.Metrics.Aggregated.WithLabels(Tumbling.Name).Value);
    }

    [Fact]
    public void A_malformed_record_is_dead_lettered_with_its_bytes()
    {
        using var driver = new FeatureDriver(Set);
        var garbage = "{not json"u8.ToArray();
        driver.PublishRaw(Topics.Events, "k", garbage);
        var deadLetter = Assert.Single(driver.DeadLetters());
        Assert.Equal(SourceRecord.MalformedReason, deadLetter.Reason);
        Assert.Equal(Topics.Events, deadLetter.Stream);
        Assert.Equal(garbage, deadLetter.Value);
    }

    [Fact]
    public void Label_based_views_aggregate_label_values_at_label_time()
    {
        using var driver = new FeatureDriver(Set);
        driver.Publish(Outcomed("e1", "u1", Min(0), Min(2), 10));
        driver.Publish(Outcomed("e2", "u1", Min(1), Min(4), 20));
        var (_, _, aggregate) = driver.Online[Outcomes.Name, "u1"];
        Assert.Equal(2, aggregate.Value(Aggregation.Count));
        Assert.Equal(15, aggregate.Value(Aggregation.Mean));
        Assert.Equal(Ms(Min(4)), aggregate.MaxTimeMs);
    }

    public static TheoryData<string, byte[]?, string> BadRecords() => new()
    {
        { Topics.Events, null, SourceRecord.MalformedReason }, // a tombstone
        { Topics.Events, [], SourceRecord.MalformedReason },
        { Topics.Events, "{\"id\":\"e1\",\"type\":"u8.ToArray(), SourceRecord.MalformedReason }, // truncated
        { Topics.Events, [0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d], SourceRecord.MalformedReason }, // invalid UTF-8
        { Topics.Events, "[1,2,3]"u8.ToArray(), SourceRecord.MalformedReason }, // the wrong shape
        { Topics.Events, "{\"id\":\"e1\",\"type\":\"purchase\",\"time\":\"2024-03-01T00:00:00Z\",\"keys\":{\"user\":null}}"u8.ToArray(), SourceRecord.MalformedReason },
        { Topics.Events, "{\"id\":\"e1\",\"type\":\"purchase\",\"time\":\"9999-03-01T00:00:00Z\",\"keys\":{\"user\":\"u1\"}}"u8.ToArray(), RecordBounds.TimeOutOfRange },
        { Topics.Labels, null, SourceRecord.MalformedReason },
        { Topics.Labels, "{\"id\":\"l1\",\"name\":\"outcome\",\"value\":\"NaN\",\"time\":\"2024-03-01T00:00:00Z\",\"predictionId\":\"p\"}"u8.ToArray(), RecordBounds.NumberOutOfRange },
        { Topics.Predictions, null, SourceRecord.MalformedReason },
        { Topics.Predictions, "not json"u8.ToArray(), SourceRecord.MalformedReason },
    };

    [Theory]
    [MemberData(nameof(BadRecords))]
    public void Any_bad_record_is_dead_lettered_once_and_the_stream_goes_on(string topic, byte[]? value, string reason)
    {
        using var driver = new FeatureDriver(Set);
        driver.PublishRaw(topic, "k", value);
        driver.Publish(Purchased("p1", "u1", Min(1), 4)); // the stream is still running
        var deadLetter = Assert.Single(driver.DeadLetters());
        Assert.Equal((topic, reason), (deadLetter.Stream, deadLetter.Reason));
        Assert.Equal(value ?? [], deadLetter.Value);
        Assert.Equal(4, driver.Online[Tumbling.Name, "u1"].Aggregate.Value(Aggregation.Sum));
    }

    [Fact]
    public void A_partition_read_again_after_a_restart_skips_what_its_stored_progress_covers()
    {
        var store = new FeatureDriver.MemoryTileStore();
        using (var first = new FeatureDriver(Set, tiles: store))
            foreach (var (id, at, amount) in new[] { ("p1", 1.0, 2.0), ("p2", 2.0, 3.0) }) first.Publish(Purchased(id, "u1", Min(at), amount));
        // The next process reads the partition from offset 0 again (nothing committed) and then goes on with new records.
        using var second = new FeatureDriver(Set, tiles: store);
        foreach (var (id, at, amount) in new[] { ("p1", 1.0, 2.0), ("p2", 2.0, 3.0), ("p3", 3.0, 10.0) }) second.Publish(Purchased(id, "u1", Min(at), amount));
        Assert.Equal((3.0, 15.0), (store[Tumbling.Name, "u1"].Aggregate.Value(Aggregation.Count)!.Value, store[Tumbling.Name, "u1"].Aggregate.Value(Aggregation.Sum)!.Value));
        Assert.Equal(2, second.Metrics.Resumed.WithLabels(Topics.Events).Value);
    }
}
