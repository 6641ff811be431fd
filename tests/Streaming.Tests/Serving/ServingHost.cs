using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Streaming.Contracts;
using Streaming.Host.Web;
using Streaming.Learning;
using Streaming.Models.Store;
using Streaming.Tests.Support;

namespace Streaming.Tests.Serving;

/// <summary>A serving node (the `streaming serve` composition root) on embedded Kafka and Garnet, and a way to publish versions to it.</summary>
public sealed class ServingHost : IAsyncDisposable
{
    public const string Model = "flights-delay";
    public const string AdminKey = "test-admin-key-0123456789";

    private ServingHost(RunningHost host)
    {
        Host = host;
        Announcer = new ProducerBuilder<string?, byte[]>(new ProducerConfig { BootstrapServers = host.Bootstrap }).Build();
    }

    public RunningHost Host { get; }
    public HttpClient Http => Host.Http;
    public IProducer<string?, byte[]> Announcer { get; }
    public IModelStore Store => Host.Services.GetRequiredService<IModelStore>();

    public static async Task<ServingHost> StartAsync(params string[] settings) =>
        new(await RunningHost.StartAsync(HostParts.Serving,
            ["--Access:ApiKeys:0:Name=operator", "--Access:ApiKeys:0:Key=" + AdminKey, "--Access:ApiKeys:0:Scopes:0=admin", "--Serving:PinPollInterval=00:00:00.200", "--Serving:WarmupCalls=2", .. settings]));

    public Task<SnapshotManifest> PublishAsync(OnlineModel model, long version, IReadOnlyDictionary<string, FeatureHistogram>? reference = null) =>
        SnapshotFactory.PublishAsync(Store, Announcer, model, Model, version, reference);

    /// <summary>Waits until GET /v1/models/{model} reports <paramref name="version"/> served.</summary>
    public async Task WaitForVersionAsync(long version, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (DateTime.UtcNow < deadline)
        {
            if (await ServedVersionAsync() == version) return;
            await Task.Delay(50);
        }
        throw new TimeoutException($"v{version} was not served within the timeout (serving v{await ServedVersionAsync()}).");
    }

    public async Task<long?> ServedVersionAsync()
    {
        var status = await Http.GetFromJsonAsync<JsonElement>($"/v1/models/{Model}");
        return status.TryGetProperty("version", out var version) ? version.GetInt64() : null;
    }

    public Task<HttpResponseMessage> PostJsonAsync(string path, string json, string mediaType = "application/json", string? apiKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, mediaType) };
        if (apiKey is not null) request.Headers.Add("X-Api-Key", apiKey);
        return Http.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Announcer.Dispose();
        await Host.DisposeAsync();
    }
}
