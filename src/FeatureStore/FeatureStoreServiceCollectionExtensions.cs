using Microsoft.Extensions.DependencyInjection;
using Prometheus;
using StackExchange.Redis;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Online;

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

    /// <summary>The feature metrics, on the host's registry (the pipeline counts into them; the demo reads them).</summary>
    public static IServiceCollection AddFeatureMetrics(this IServiceCollection services)
    {
        services.AddSingleton(sp => new FeatureMetrics(sp.GetRequiredService<CollectorRegistry>()));
        return services;
    }
}
