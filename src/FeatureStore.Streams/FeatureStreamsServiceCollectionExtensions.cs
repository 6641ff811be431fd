using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Streaming.FeatureStore.Online;
using Streaming.FeatureStore.Tiles;
using Streaming.Platform;

namespace Streaming.FeatureStore.Streams;

public static class FeatureStreamsServiceCollectionExtensions
{
    /// <summary>The feature pipeline (topology, tile store, metrics). Needs the platform and a CollectorRegistry.</summary>
    public static IServiceCollection AddStreamingFeatures(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<FeatureStoreOptions>(configuration, FeatureStoreOptions.Section);
        services.AddOnlineFeatureReader();
        services.AddFeatureMetrics();
        services.AddSingleton<ITileStore>(sp => new RedisTileStore(sp.GetRequiredService<IConnectionMultiplexer>()));
        services.AddSingleton<FeatureStoreService>();
        services.AddHostedService(sp => sp.GetRequiredService<FeatureStoreService>());
        return services;
    }
}
