using Streaming.Contracts;
using Streaming.FeatureStore.Streams;
using Streaming.Tests.Support;
using static Streaming.Tests.Features.TestViews;

namespace Streaming.Tests.Features;

public class TrainingJoinTests
{
    [Fact]
    public void A_label_gets_the_event_features_and_every_view_as_of_the_event_time_excluding_the_event()
    {
        using var driver = new FeatureDriver(Set);
        driver.Publish(Purchased("p1", "u1", Min(1), 10));
        driver.Publish(Outcomed("p0", "u1", Min(0), Min(2), 4)); // an earlier purchase's outcome, known at 00:02
        driver.Publish(Purchased("p2", "u1", Min(3), 30));
        driver.Publish(Outcomed("p2", "u1", Min(3), Min(8), 1));

        var example = Assert.Single(driver.TrainingExamples());
        Assert.Equal("p2-outcome", example.Id);
        Assert.Equal(1, example.Label);
        Assert.Equal(T0 + Min(3), example.Time);
        Assert.Equal("u1", example.Features["user"]["id"].Text);
        Assert.Equal(EventFeatures.SignedLog(30), example.Features["fields"]["log_amount"].Number);
        var tumbling = example.Features[Tumbling.Name];
        Assert.Equal(1, tumbling["count"].Number); // p1 only: p2 itself is not in its own features
        Assert.Equal(10, tumbling["sum"].Number);
        Assert.False(tumbling.ContainsKey("defaulted"));
        var outcomes = example.Features[Outcomes.Name];
        Assert.Equal(1, outcomes["count"].Number); // the outcome known at 00:02
        Assert.Equal(4, outcomes["mean"].Number);
    }

    [Fact]
    public void A_label_whose_event_preceded_a_burst_gets_the_pre_burst_features()
    {
        using var driver = new FeatureDriver(Set);
        driver.Publish(Purchased("p1", "u1", Min(1), 5));
        driver.Publish(Purchased("target", "u1", Min(2), 7));
        for (var i = 0; i < 50; i++) driver.Publish(Purchased($"burst{i}", "u1", Min(2.5 + i * 0.1), 1000)); // same windows, after the event
        driver.Publish(Outcomed("target", "u1", Min(2), Min(9), 1));

        var example = Assert.Single(driver.TrainingExamples());
        Assert.Equal(1, example.Features[Tumbling.Name]["count"].Number);
        Assert.Equal(5, example.Features[Tumbling.Name]["max"].Number);
        Assert.Equal(1, example.Features[Hopping.Name]["count"].Number);
        // Meanwhile the online store has moved on with the burst.
        Assert.Equal(52, driver.Online[Tumbling.Name, "u1"].Aggregate.Count);
    }

    [Fact]
    public void A_probe_waits_for_the_watermark_and_then_sees_exactly_the_records_before_its_time()
    {
        using var driver = new FeatureDriver(Set);
        driver.Publish(Purchased("p1", "u1", Min(1), 5));
        driver.Publish(Purchased("same-minute", "u1", Min(3), 100)); // at the event's own time: never part of its features
        driver.Publish(Purchased("target", "u1", Min(3), 7));
        driver.Publish(Purchased("out-of-order", "u1", Min(2.5), 20)); // earlier than the event, arriving after it, within the grace
        driver.Publish(Outcomed("target", "u1", Min(3), Min(5), 1));
        Assert.Empty(driver.TrainingExamplesSoFar()); // the events' watermark (newest 3:00 less the 1-minute grace) is before 3:00

        driver.Publish(Purchased("p4", "u1", Min(4), 1000)); // watermark 3:00: every record before the event is in
        var example = Assert.Single(driver.TrainingExamplesSoFar());
        var tumbling = example.Features[Tumbling.Name];
        Assert.Equal(2, tumbling["count"].Number); // p1 and the out-of-order one
        Assert.Equal(25, tumbling["sum"].Number);
        Assert.Equal(20, tumbling["last"].Number); // the latest time before 3:00 is 2:30
    }

    [Fact]
    public void Missing_views_give_defaults_flagged_as_such()
    {
        using var driver = new FeatureDriver(Set);
        driver.Publish(Purchased("p1", "u1", Min(1), 5));
        driver.Publish(Outcomed("p1", "u1", Min(1), Min(3), 1));

        var example = Assert.Single(driver.TrainingExamples());
        var outcomes = example.Features[Outcomes.Name];
        Assert.Equal(-1, outcomes["mean"].Number); // the view's declared default
        Assert.Equal(0, outcomes["count"].Number);
        Assert.True(outcomes["defaulted"].Boolean);
    }

    [Fact]
    public void A_label_for_a_logged_prediction_gets_exactly_the_logged_features()
    {
        using var driver = new FeatureDriver(Set);
        var logged = new Dictionary<string, IReadOnlyDictionary<string, FieldValue>>
        {
            ["user"] = new Dictionary<string, FieldValue> { ["id"] = "u9" },
            [Tumbling.Name] = new Dictionary<string, FieldValue> { ["count"] = 3, ["mean"] = 12.5 },
        };
        driver.Publish(new PredictionLog("pred-1", "m", "7", T0 + Min(4), new Dictionary<string, string> { ["user"] = "u9" }, logged, 0.3));
        driver.Publish(Purchased("p1", "u9", Min(5), 999)); // later activity changes nothing for the logged prediction
        driver.Publish(new Label("l1", Outcome, 1, T0 + Min(9), PredictionId: "pred-1"));

        var example = Assert.Single(driver.TrainingExamples());
        Assert.Equal("pred-1", example.PredictionId);
        Assert.Equal(T0 + Min(4), example.Time);
        Assert.Equal(3, example.Features[Tumbling.Name]["count"].Number);
        Assert.Equal(12.5, example.Features[Tumbling.Name]["mean"].Number);
        Assert.Equal("u9", example.Features["user"]["id"].Text);
    }

    [Fact]
    public void The_label_may_arrive_before_the_features()
    {
        using var driver = new FeatureDriver(Set);
        driver.Publish(Outcomed("p1", "u1", Min(1), Min(0.5), 1));
        Assert.Empty(driver.TrainingExamples());
        driver.Publish(Purchased("p1", "u1", Min(1), 5));
        Assert.Single(driver.TrainingExamples());
    }

    [Fact]
    public void A_label_that_finds_nothing_within_the_horizon_is_dead_lettered()
    {
        using var driver = new FeatureDriver(Set, joinHorizon: TimeSpan.FromHours(2));
        driver.Publish(new Label("orphan", Outcome, 1, T0, EventId: "never-seen"));
        driver.Publish(Purchased("p1", "u1", Min(60 * 4), 5)); // moves stream time 4 h on

        var deadLetter = Assert.Single(driver.DeadLetters());
        Assert.Equal(FeatureTopology.UnmatchedLabelReason, deadLetter.Message.Headers.TryGetLastBytes(DeadLetterHeaders.Reason, out var reason) ? System.Text.Encoding.UTF8.GetString(reason) : null);
        Assert.Contains("orphan", System.Text.Encoding.UTF8.GetString(deadLetter.Message.Value));
        Assert.Empty(driver.TrainingExamples());
    }
}
