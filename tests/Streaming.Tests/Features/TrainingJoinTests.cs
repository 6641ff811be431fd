using System.Text.Json;
using Streaming.Contracts;
using Streaming.FeatureStore.Streams;
using Streaming.Tests.Support;
using static Streaming.Tests.Features.TestViews;

namespace Streaming.Tests.Features;

/// <summary>The prediction–label join: a training example is a logged prediction's features with its label's value.</summary>
public class TrainingJoinTests
{
    private static PredictionLog Prediction(string id, TimeSpan at, double amountCount = 3) => new(id, "m", "7", T0 + at,
        new Dictionary<string, string> { ["user"] = "u1" },
        new Dictionary<string, IReadOnlyDictionary<string, FieldValue>>
        {
            ["user"] = new Dictionary<string, FieldValue> { ["id"] = "u1" },
            [Tumbling.Name] = new Dictionary<string, FieldValue> { ["count"] = amountCount, ["mean"] = 12.5, ["defaulted"] = false },
            ["fields"] = new Dictionary<string, FieldValue> { ["log_amount"] = 1.0 / 3, ["channel"] = "web\u00e9\"" },
        },
        0.25);

    private static Label LabelOf(string predictionId, TimeSpan at, double value) =>
        new($"{predictionId}-label", Outcome, value, T0 + at, PredictionId: predictionId, Keys: new Dictionary<string, string> { ["user"] = "u1" });

    [Fact]
    public void An_example_carries_the_logged_features_byte_for_byte_with_the_label_and_what_was_served()
    {
        using var driver = new FeatureDriver(Set);
        var prediction = Prediction("pr1", Min(1));
        driver.Publish(prediction);
        Assert.Empty(driver.TrainingExampleBytes());
        driver.Publish(LabelOf("pr1", Min(30), 17));

        var bytes = Assert.Single(driver.TrainingExampleBytes());
        using var logged = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(prediction, ContractsJsonContext.Default.PredictionLog));
        using var example = JsonDocument.Parse(bytes);
        Assert.Equal(logged.RootElement.GetProperty("features").GetRawText(), example.RootElement.GetProperty("features").GetRawText());
        var parsed = JsonSerializer.Deserialize(bytes, ContractsJsonContext.Default.TrainingExample)!;
        Assert.Equal(("pr1-label", 17.0, "pr1", 0.25, "7", T0 + Min(1)),
            (parsed.Id, parsed.Label!.Value, parsed.PredictionId, parsed.ServedScore!.Value, parsed.ServedVersion, parsed.Time));
        Assert.Equal(3, parsed.Features[Tumbling.Name]["count"].Number);
        Assert.Equal(1, driver.Metrics.ExamplesJoined.Value);
    }

    [Fact]
    public void The_label_may_arrive_before_its_prediction()
    {
        using var driver = new FeatureDriver(Set);
        driver.Publish(LabelOf("pr1", Min(30), 1));
        Assert.Empty(driver.TrainingExamples());
        driver.Publish(Prediction("pr1", Min(1)));
        Assert.Equal("pr1-label", Assert.Single(driver.TrainingExamples()).Id);
    }

    [Fact]
    public void A_label_read_again_joins_again_and_a_repeated_prediction_log_changes_nothing()
    {
        using var driver = new FeatureDriver(Set);
        driver.Publish(Prediction("pr1", Min(1)));
        driver.Publish(LabelOf("pr1", Min(30), 1));
        driver.Publish(Prediction("pr1", Min(1), amountCount: 99)); // at least once: the same log again
        driver.Publish(LabelOf("pr1", Min(30), 1)); // and the label again, as after a restart
        var examples = driver.TrainingExamples();
        Assert.Equal(2, examples.Count); // the learner drops the repeat by label id
        Assert.All(examples, e => Assert.Equal(3, e.Features[Tumbling.Name]["count"].Number));
        Assert.Empty(driver.DeadLetters());
    }

    [Fact]
    public void A_label_of_an_event_feeds_views_but_makes_no_streaming_example()
    {
        using var driver = new FeatureDriver(Set);
        driver.Publish(Outcomed("e1", "u1", Min(1), Min(2), 10));
        Assert.Empty(driver.TrainingExamples());
        Assert.Equal(1, driver.Online[Outcomes.Name, "u1"].Aggregate.Value(FeatureStore.Definitions.Aggregation.Count));
        Assert.Empty(driver.DeadLetters());
    }

    [Fact]
    public void A_label_whose_prediction_never_comes_within_the_horizon_is_dead_lettered_and_an_unlabelled_prediction_forgotten()
    {
        using var driver = new FeatureDriver(Set, joinHorizon: TimeSpan.FromHours(2));
        driver.Publish(LabelOf("orphan", Min(0), 1));
        driver.Publish(Prediction("unlabelled", Min(1)));
        driver.Publish(Prediction("later", Min(60 * 4))); // moves event time 4 h on

        var deadLetter = Assert.Single(driver.DeadLetters());
        Assert.Equal((Topics.Labels, FeatureTopology.UnmatchedLabelReason), (deadLetter.Stream, deadLetter.Reason));
        Assert.Equal("orphan-label", JsonSerializer.Deserialize(deadLetter.Value, ContractsJsonContext.Default.Label)!.Id);
        Assert.Empty(driver.TrainingExamples());
        Assert.Equal(1, driver.Metrics.PredictionsUnlabelled.Value);
        driver.Publish(LabelOf("unlabelled", Min(60 * 4), 1)); // too late: its prediction is gone, so it waits in turn
        Assert.Empty(driver.TrainingExamples());
    }

    [Fact]
    public void A_malformed_prediction_log_is_dead_lettered_by_the_join()
    {
        using var driver = new FeatureDriver(Set);
        driver.PublishRaw(Topics.Predictions, "x", "{\"predictionId\":"u8.ToArray());
        var deadLetter = Assert.Single(driver.DeadLetters());
        Assert.Equal((Topics.Predictions, SourceRecord.MalformedReason), (deadLetter.Stream, deadLetter.Reason));
    }
}
