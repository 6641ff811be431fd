using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Streaming.Contracts;
using Streaming.Host.Web;
using Streaming.OnlineLearner;
using Streaming.Platform.Kafka;
using Streaming.Serving.Models;
using Streaming.Tests.Support;

namespace Streaming.Tests.Faults;

/// <summary>
/// Every part in one host under a steady load while the (embedded) broker goes down for 10 s and comes back, through
/// the mock cluster's fault API: predictions go on, ingest waits (or answers 503, safe to retry) until Kafka takes records again,
/// every part recovers without a restart, and every accepted record arrives, repeated at most by a client's retry.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class BrokerOutageTests
{
    private const string Model = "flights-delay";

    [Fact]
    public async Task Broker_down_for_10_s_then_up_loses_nothing_and_every_part_recovers()
    {
        await using var host = await RunningHost.StartAsync(HostParts.All, "--Learner:SnapshotEvery=00:00:01");
        var learner = host.Services.GetRequiredService<LearnerService>();
        var registry = host.Services.GetRequiredService<ModelRegistry>();
        var load = new SteadyLoad(host.Http.BaseAddress!, Model, TimeSpan.FromMilliseconds(20));
        await using (load)
        {
            await Eventually.TrueAsync(() => registry.Peek(Model)?.Version >= 1, TimeSpan.FromMinutes(2), "serving answers from a learned version");
            var versionBefore = registry.Peek(Model)!.Version;
            host.Kafka.SetBrokerDown();
            var downAt = DateTime.UtcNow;
            await Task.Delay(TimeSpan.FromSeconds(10));
            host.Kafka.SetBrokerUp();
            var upAt = DateTime.UtcNow;
            await Eventually.TrueAsync(async () => (await host.Http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, TimeSpan.FromMinutes(1), "ready again");
            await Eventually.TrueAsync(() => registry.Peek(Model)?.Version > versionBefore, TimeSpan.FromMinutes(1), "a version learned after the outage served");
            var eventsAtUp = load.EventsAccepted;
            await Eventually.TrueAsync(() => load.EventsAccepted > eventsAtUp + 50, TimeSpan.FromMinutes(1), "ingest taking records again");
            var during = load.Predictions.Where(p => p.At > downAt && p.At < upAt).ToList();
            Assert.True(during.Count > 50, $"only {during.Count} predictions while the broker was down");
        }

        Assert.Empty(load.IngestErrors);
        Assert.All(load.Predictions, p => Assert.Equal(HttpStatusCode.OK, p.Status));
        // Ingest held records while the broker was away (librdkafka retries them for up to 30 s, message.timeout.ms) or answered
        // 503 past it; a record answered 503 may still have reached Kafka: the client's retry then repeats it (as the README says).
        var configs = host.Services.GetRequiredService<KafkaClientConfigs>();
        Assert.InRange(TopicOffsets.EndOffsetTotal(configs, Topics.Events, TimeSpan.FromSeconds(10)), load.EventsAccepted, load.EventsAccepted + load.IngestRetries);
        Assert.InRange(TopicOffsets.EndOffsetTotal(configs, Topics.Labels, TimeSpan.FromSeconds(10)), load.LabelsAccepted, load.LabelsAccepted + load.IngestRetries);
        // Repeats reach the learner too, which learns each label once (by its id).
        await Eventually.TrueAsync(() => learner.Progress.Examples == load.LabelsOfPredictions, TimeSpan.FromMinutes(2),
            $"every label learned once ({learner.Progress.Examples} of {load.LabelsOfPredictions})");
        Assert.Equal(0, MetricsText.Sum(await host.MetricsAsync(), "streaming_serving_prediction_log_dropped_total"));
        // Tiles are flushed on their own interval: the last records' land shortly after they are read.
        await Eventually.TrueAsync(async () => MetricsText.Sum(await host.MetricsAsync(), "streaming_features_stored_total") >= load.EventsAccepted + load.LabelsAccepted,
            TimeSpan.FromMinutes(1), "every accepted record's tiles written to Redis");
    }
}
