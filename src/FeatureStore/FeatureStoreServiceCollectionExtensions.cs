using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;
using StackExchange.Redis;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Online;
using Streaming.Platform;

namespace Streaming.FeatureStore;

public static class FeatureStoreServiceCollectionExtensions
{
    /// <summary>The online feature reader alone (what serving needs): the feature set and Redis.</summary>
    public static IServiceCollection AddOnlineFeatureReader(this IServiceCollection services)
    {
        services.AddSingleton(FlightFeatureViews.Set);
        services.AddSingleton(sp => new OnlineFeatureReader(sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<FeatureSet>()));
        return services;
    }

    /// <summary>The feature pipeline (topology, online store writer, metrics). Needs the platform and a CollectorRegistry.</summary>
    public static IServiceCollection AddStreamingFeatures(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<FeatureStoreOptions>(configuration, FeatureStoreOptions.Section);
        services.AddOnlineFeatureReader();
        services.AddSingleton(sp => new FeatureMetrics(sp.GetRequiredService<CollectorRegistry>()));
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<FeatureStoreOptions>();
            return new RedisOnlineStoreWriter(sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<FeatureMetrics>(),
                sp.GetRequiredService<ILogger<RedisOnlineStoreWriter>>(), options.WriterQueueCapacity, options.WriterMaxBatch);
        });
        services.AddSingleton<FeatureStoreService>();
        services.AddHostedService(sp => sp.GetRequiredService<FeatureStoreService>());
        return services;
    }
}
