using Microsoft.Extensions.DependencyInjection;
using Streaming.Contracts;
using Streaming.Host.Commands;
using Streaming.OnlineLearner;
using Streaming.Platform.Kafka;

using Streaming.Tests.Support;

namespace Streaming.Tests;

/// <summary>The demo host end to end, on the committed sample: replay, summary, clean stop.</summary>
[Collection(PipelineCollection.Name)]
public sealed class DemoTests
{
    [Fact]
    public async Task Demo_once_replays_the_sample_into_embedded_kafka_and_stops()
    {
        var outcome = new DemoOutcome();
        await using var app = DemoCommand.BuildApp(new DemoSettings(DemoCommand.DefaultDataPath, Speed: null, Limit: 3_000, Once: true, DemoCommand.DefaultMaxLag), outcome,
            ["--Learner:SnapshotEvery=00:00:01"], "http://127.0.0.1:0");
        var stopping = new TaskCompletionSource();
        app.Lifetime.ApplicationStopping.Register(stopping.SetResult);
        await app.StartAsync();
        await stopping.Task.WaitAsync(TimeSpan.FromMinutes(4)); // --once stops the host by itself, once the features caught up

        Assert.Null(outcome.Error);
        Assert.Equal(0, outcome.ExitCode);
        var summary = outcome.Summary!;
        Assert.Equal(3_000, summary.Rows);
        Assert.Equal(3_000, summary.Events);
        Assert.InRange(summary.Labels, 2_700, 3_000);
        Assert.Equal(0, summary.Failed);
        var configs = app.Services.GetRequiredService<KafkaClientConfigs>();
        Assert.Equal(summary.Events, TopicOffsets.EndOffsetTotal(configs, Topics.Events, TimeSpan.FromSeconds(10)));
        Assert.Equal(summary.Labels, TopicOffsets.EndOffsetTotal(configs, Topics.Labels, TimeSpan.FromSeconds(10)));
        Assert.Equal(summary.DeadLettered, TopicOffsets.EndOffsetTotal(configs, Topics.DeadLetter, TimeSpan.FromSeconds(10)));
        // The replay asked for a prediction before every departure, and each label named its prediction: the pipeline
        // caught up before the demo stopped, so every label became a training example, and the learner took them all.
        // And the closing one, logged just before the host began to stop: its delivery may still be under way.
        var predictions = 0L;
        for (var deadline = DateTime.UtcNow.AddSeconds(10); DateTime.UtcNow < deadline && predictions < summary.Events + 1; await Task.Delay(100))
            predictions = TopicOffsets.EndOffsetTotal(configs, Topics.Predictions, TimeSpan.FromSeconds(10));
        Assert.Equal(summary.Events + 1, predictions);
        Assert.Equal(summary.Labels, TopicOffsets.EndOffsetTotal(configs, Topics.TrainingExamples, TimeSpan.FromSeconds(10)));
        Assert.Equal(summary.Labels, app.Services.GetRequiredService<LearnerService>().Progress.Examples);
        // Serving loaded a version the learner published and answered the demo's closing prediction.
        Assert.True(outcome.ServedVersion >= 1);
        await app.StopAsync();
    }
}
