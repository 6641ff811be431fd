using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Streaming.Models.Store;
using Streaming.Serving;
using Streaming.Serving.Inference;
using Streaming.Serving.Models;
using Streaming.Tests.Support;
using Xunit.Abstractions;

namespace Streaming.Tests.Serving;

/// <summary>Versions change under load without errors; requests finish on the version they started with; pins and rollbacks.</summary>
public sealed class HotSwapTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Thousands_of_concurrent_requests_while_50_versions_are_swapped_in_all_succeed_on_published_versions()
    {
        await using var serving = await ServingHost.StartAsync();
        var examples = await TrainingExampleStream.FlightsAsync(5_100);
        var published = new ConcurrentDictionary<long, bool>();
        async Task Publish(long version)
        {
            published[version] = true; // before the announcement: a response may name it as soon as it is out
            await serving.PublishAsync(SnapshotFactory.Train(examples.Take((int)version * 100)), version);
        }
        await Publish(1);
        await serving.WaitForVersionAsync(1);

        var seen = new ConcurrentDictionary<long, int>();
        var failures = new ConcurrentBag<string>();
        long requests = 0;
        using var stop = new CancellationTokenSource();
        var origins = new[] { "SFO", "ORD", "ATL", "DFW", "LAX", "JFK" };
        var clients = Enumerable.Range(0, 16).Select(client => Task.Run(async () =>
        {
            var i = 0;
            while (!stop.IsCancellationRequested)
            {
                var origin = origins[(client + i++) % origins.Length];
                var batch = i % 4 == 0;
                var body = batch
                    ? $$$"""{"requests":[{"keys":{"origin":"{{{origin}}}","route":"{{{origin}}}-LAX"}},{"keys":{"origin":"SEA"}}]}"""
                    : $$$"""{"keys":{"origin":"{{{origin}}}","destination":"LAX","route":"{{{origin}}}-LAX"},"fields":{"distance":400}}""";
                using var response = await serving.PostJsonAsync($"/v1/models/{ServingHost.Model}/predict{(batch ? "/batch" : "")}", body);
                Interlocked.Increment(ref requests);
                var text = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    failures.Add($"{(int)response.StatusCode}: {text}");
                    continue;
                }
                var root = JsonDocument.Parse(text).RootElement;
                foreach (var prediction in batch ? root.GetProperty("predictions").EnumerateArray().ToList() : [root])
                    seen.AddOrUpdate(prediction.GetProperty("modelVersion").GetInt64(), 1, (_, n) => n + 1);
            }
        })).ToList();

        for (var version = 2; version <= 51; version++)
        {
            await Publish(version);
            await Task.Delay(60);
        }
        await serving.WaitForVersionAsync(51);
        await Task.Delay(300); // some requests on the last version too
        await stop.CancelAsync();
        await Task.WhenAll(clients);

        output.WriteLine($"{requests:N0} requests, {seen.Values.Sum():N0} predictions from {seen.Count} versions, {failures.Count} failures");
        Assert.Empty(failures);
        Assert.True(requests >= 2_000, $"only {requests} requests were made");
        Assert.All(seen.Keys, version => Assert.True(published.ContainsKey(version), $"v{version} was never published"));
        Assert.True(seen.Count >= 10, $"answers came from only {seen.Count} versions: the swaps did not happen under load");
        Assert.Contains(51L, seen.Keys);
        var metrics = await serving.Host.MetricsAsync();
        Assert.Equal(0, MetricsText.Sum(metrics, "streaming_serving_requests_total", "status=\"5"));
        Assert.Equal(0, MetricsText.Sum(metrics, "streaming_serving_model_load_failures_total"));
    }

    [Fact]
    public async Task Rollback_pins_every_node_to_the_previous_version_until_unpinned_and_a_pinned_version_is_never_pruned()
    {
        await using var serving = await ServingHost.StartAsync();
        var examples = await TrainingExampleStream.FlightsAsync(400);
        for (var version = 1; version <= 3; version++) await serving.PublishAsync(SnapshotFactory.Train(examples.Take(version * 100)), version);
        await serving.WaitForVersionAsync(3);

        using var rollback = await serving.PostJsonAsync($"/v1/admin/models/{ServingHost.Model}/rollback", "", apiKey: ServingHost.AdminKey);
        Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        Assert.Equal(2, JsonDocument.Parse(await rollback.Content.ReadAsStringAsync()).RootElement.GetProperty("pinned").GetInt64());
        await serving.WaitForVersionAsync(2);

        // A new snapshot does not move a pinned model, and pruning keeps the pinned version.
        await serving.PublishAsync(SnapshotFactory.Train(examples), 4);
        await serving.Store.PruneAsync(ServingHost.Model, 1, CancellationToken.None);
        Assert.Equal([2L, 4L], await serving.Store.VersionsAsync(ServingHost.Model, CancellationToken.None));
        await Task.Delay(600); // three pin polls
        Assert.Equal(2, await serving.ServedVersionAsync());

        // A second node on the same Redis and Kafka follows the shared pin.
        await using var second = await ServingHost.StartAsync(
            "--Kafka:BootstrapServers=" + serving.Host.Bootstrap, "--Redis:Configuration=" + RedisEndpoint(serving));
        await second.WaitForVersionAsync(2);

        using var pinMissing = await Put(serving, """{"version":3}""");
        Assert.Equal(HttpStatusCode.NotFound, pinMissing.StatusCode); // pruned
        using var unpin = await serving.Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/v1/admin/models/{ServingHost.Model}/pin")
        {
            Headers = { { "X-Api-Key", ServingHost.AdminKey } },
        });
        Assert.Equal(HttpStatusCode.OK, unpin.StatusCode);
        await serving.WaitForVersionAsync(4);
        await second.WaitForVersionAsync(4);
    }

    [Fact]
    public void A_swapped_out_version_is_disposed_only_after_its_last_request_finishes()
    {
        var device = new ExecutionDevice(new ServingOptions { Device = ExecutionDeviceChoice.Cpu }, NullLogger<ExecutionDevice>.Instance);
        var registry = new ModelRegistry(new ServingOptions { Models = ["m"] });
        ServedModel Version(long version)
        {
            var model = SnapshotFactory.Train([]);
            var snapshot = OnlineSnapshot.Of(model, "m", version, DateTimeOffset.UtcNow, new Dictionary<int, long>());
            return new ServedModel(snapshot.Manifest, new OnnxLinearScorer(snapshot.Onnx, device), DateTimeOffset.UtcNow);
        }
        var first = Version(1);
        registry.Swap("m", first);
        var inFlight = registry.Acquire("m")!.Value;
        registry.Swap("m", Version(2));

        Assert.Equal(2, registry.Acquire("m")!.Value.Model.Version);
        Assert.False(first.Disposed); // a request still runs on it
        Assert.Equal(1, inFlight.Model.Version);
        inFlight.Dispose();
        Assert.True(first.Disposed);
        Assert.False(first.TryAcquire());
    }

    private static Task<HttpResponseMessage> Put(ServingHost serving, string json) =>
        serving.Http.SendAsync(new HttpRequestMessage(HttpMethod.Put, $"/v1/admin/models/{ServingHost.Model}/pin")
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
            Headers = { { "X-Api-Key", ServingHost.AdminKey } },
        });

    private static string RedisEndpoint(ServingHost serving) =>
        ((StackExchange.Redis.IConnectionMultiplexer)serving.Host.Services.GetService(typeof(StackExchange.Redis.IConnectionMultiplexer))!)
        .GetEndPoints()[0].ToString()!;
}
