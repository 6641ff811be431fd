using System.Net;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Streaming.Contracts;
using Streaming.FeatureStore.Training;
using Streaming.Host.Web;
using Streaming.OnlineLearner;
using Streaming.Platform.Kafka;
using Streaming.Platform.Redis;
using Streaming.Serving.Models;
using Streaming.Tests.Support;

namespace Streaming.Tests.Faults;

/// <summary>
/// Every part in one host under a steady load of predictions, events and labels, while Redis goes away for 30 s
/// and comes back with its data, then is emptied: serving answers throughout (flagged, never 5xx, never slow), the
/// online writes and the learner's snapshots wait and land, and nothing accepted is lost.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class RedisOutageTests
{
    private const string Model = "flights-delay";
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Redis_down_for_30_s_then_back_with_its_data_then_back_empty_loses_nothing_and_answers_every_request()
    {
        using var garnet = new EmbeddedGarnet();
        using var proxy = new TcpProxy(garnet.Port);
        await using var host = await RunningHost.StartAsync(HostParts.All,
            "--Redis:Configuration=" + proxy.Endpoint + ",connectTimeout=2000",
            "--Learner:SnapshotEvery=00:00:01", "--Serving:PinPollInterval=00:00:00.500");
        var learner = host.Services.GetRequiredService<LearnerService>();
        var registry = host.Services.GetRequiredService<ModelRegistry>();
        var load = new SteadyLoad(host.Http.BaseAddress!, Model, TimeSpan.FromMilliseconds(20));
        await using (load)
        {
            await Eventually.TrueAsync(() => registry.Peek(Model)?.Version >= 1 && load.Predictions.Any(p => p.ViewStatuses.Contains(SnapshotStatus.Fresh)),
                TimeSpan.FromMinutes(2), "serving answers from a learned version with stored features");
            var versionBefore = registry.Peek(Model)!.Version;

            // Redis goes away.
            proxy.Cut();
            var cutAt = DateTime.UtcNow;
            await Task.Delay(TimeSpan.FromSeconds(5));
            using (var ready = await host.Http.GetAsync("/readyz"))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
                Assert.Contains("Redis at", await ready.Content.ReadAsStringAsync());
            }
            Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync("/healthz")).StatusCode); // alive: nothing to restart
            await Task.Delay(Outage - TimeSpan.FromSeconds(5));
            proxy.Restore();
            var restoredAt = DateTime.UtcNow;

            // Back with its data: ready again without a restart, features and new versions again.
            await Eventually.TrueAsync(async () => (await host.Http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, TimeSpan.FromMinutes(1), "ready again");
            await Eventually.TrueAsync(() => load.Predictions.Any(p => p.At > restoredAt && p.ViewStatuses.Contains(SnapshotStatus.Fresh)),
                TimeSpan.FromMinutes(1), "stored features served again");
            await Eventually.TrueAsync(() => registry.Peek(Model)?.Version > versionBefore, TimeSpan.FromMinutes(1), "a version learned after the outage served");

            var during = load.Predictions.Where(p => p.At > cutAt + TimeSpan.FromSeconds(1) && p.At < restoredAt).ToList();
            Assert.True(during.Count > 100, $"only {during.Count} predictions during the outage");
            Assert.All(during, p => Assert.Equal(HttpStatusCode.OK, p.Status));
            Assert.All(during, p => Assert.All(p.ViewStatuses, s => Assert.Equal(SnapshotStatus.StoreUnavailable, s)));
            // Bounded: the read timeout (250 ms) until the breaker opens, then no wait on Redis at all.
            Assert.True(during.Max(p => p.Took) < TimeSpan.FromSeconds(2), $"slowest answer during the outage took {during.Max(p => p.Took)}");
            Assert.True(during.Count(p => p.Took < TimeSpan.FromMilliseconds(100)) > during.Count * 0.8, "most answers during the outage were not quick");

            // Back empty: serving keeps answering, and takes the next version published into the empty store.
            using (var admin = await ConnectionMultiplexer.ConnectAsync(garnet.Endpoint + ",allowAdmin=true"))
                await admin.GetServer(garnet.Endpoint).FlushAllDatabasesAsync();
            var flushedAt = DateTime.UtcNow;
            var servingAtFlush = registry.Peek(Model)!.Version;
            try
            {
                await Eventually.TrueAsync(() => registry.Peek(Model)!.Version != servingAtFlush && registry.Peek(Model)!.Manifest.CreatedAt > flushedAt,
                    TimeSpan.FromMinutes(2), "a version published after the store was emptied served");
            }
            catch (TimeoutException e)
            {
                var metrics = await host.MetricsAsync();
                string Of(string metric) => string.Join(", ", metrics.Split('\n').Where(l => l.StartsWith(metric, StringComparison.Ordinal)));
                throw new TimeoutException($"{e.Message} Serving v{registry.Peek(Model)!.Version} (v{servingAtFlush} at the flush), learner {learner.Progress}; " +
                    $"{Of("streaming_learner_model_version")}; {Of("streaming_learner_snapshot")}; {Of("streaming_features_training_examples_total")}; " +
                    $"{Of("streaming_serving_model_load_failures_total")}; {Of("streaming_features_online_write_failures_total")}");
            }
            await Task.Delay(TimeSpan.FromSeconds(2)); // a little load after the flush too
        }

        // Nothing lost: every record the load saw accepted is in Kafka, in the tiles, and (labels) learned.
        var configs = host.Services.GetRequiredService<KafkaClientConfigs>();
        Assert.Empty(load.IngestErrors);
        Assert.All(load.Predictions, p => Assert.Equal(HttpStatusCode.OK, p.Status));
        Assert.Equal(load.LabelsAccepted, load.LabelsOfPredictions);
        Assert.Equal(load.EventsAccepted, TopicOffsets.EndOffsetTotal(configs, Topics.Events, TimeSpan.FromSeconds(10)));
        Assert.Equal(load.LabelsAccepted, TopicOffsets.EndOffsetTotal(configs, Topics.Labels, TimeSpan.FromSeconds(10)));
        await Eventually.TrueAsync(async () =>
        {
            var metrics = await host.MetricsAsync();
            return MetricsText.Sum(metrics, "streaming_features_stored_total") == load.EventsAccepted + load.LabelsAccepted;
        }, TimeSpan.FromMinutes(2), "every accepted record's tiles written to Redis");
        try
        {
            await Eventually.TrueAsync(() => learner.Progress.Examples == load.LabelsOfPredictions, TimeSpan.FromMinutes(2), "every label learned");
        }
        catch (TimeoutException)
        {
            var metrics = await host.MetricsAsync();
            string Of(string metric) => string.Join(", ", metrics.Split('\n').Where(l => l.StartsWith(metric, StringComparison.Ordinal)));
            throw new TimeoutException($"{learner.Progress.Examples} of {load.LabelsOfPredictions} labels learned; " +
                $"{Of("streaming_features_training_examples_total")}; {Of("streaming_features_dead_lettered_total")}; {Of("streaming_learner_")}");
        }
        var metricsText = await host.MetricsAsync();
        Assert.True(MetricsText.Sum(metricsText, "streaming_serving_store_unavailable_total", "reason=\"circuit_open\"") > 0, "the breaker never opened");
        Assert.True(MetricsText.Sum(metricsText, "streaming_learner_snapshot_retries_total") > 0, "no snapshot write was retried");
        Assert.Equal(0, MetricsText.Sum(metricsText, "streaming_serving_store_circuit_open"));
    }
}
