using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Streaming.Host.Web;
using Streaming.Platform.Kafka;

namespace Streaming.Tests.Support;

/// <summary>
/// The real HTTP host (the same composition root as `streaming ingest`) on a free loopback port, with its
/// own embedded Kafka and Garnet. Extra configuration goes in as --Section:Key=value arguments.
/// </summary>
public sealed class RunningHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RunningHost(WebApplication app, Uri address)
    {
        _app = app;
        Http = new HttpClient { BaseAddress = address };
    }

    public HttpClient Http { get; }
    public IServiceProvider Services => _app.Services;
    public string Bootstrap => Services.GetRequiredService<IKafkaCluster>().BootstrapServers;
    public EmbeddedKafkaCluster Kafka => (EmbeddedKafkaCluster)Services.GetRequiredService<IKafkaCluster>();

    public static Task<RunningHost> StartAsync(params string[] configuration) => StartAsync(HostParts.Ingest, configuration);

    public static async Task<RunningHost> StartAsync(HostParts parts, params string[] configuration)
    {
        var app = StreamingWebApp.Build(configuration, "http://127.0.0.1:0", parts, builder =>
            builder.Logging.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RunningHost(app, new Uri(address));
    }

    public async Task<string> MetricsAsync() => await Http.GetStringAsync("/metrics");

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
