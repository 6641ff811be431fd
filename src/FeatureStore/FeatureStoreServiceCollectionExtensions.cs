using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Prometheus;
using StackExchange.Redis;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Online;

namespace Streaming.FeatureStore;

public static class FeatureStoreServiceCollectionExtensions
{
    /// <summary>
    /// The online feature reader alone (what serving needs), over Redis and the <see cref="FeatureSet"/> the composition
    /// root registers: the generic parts do not know which domain they serve.
    /// </summary>
    public static IServiceCollection AddOnlineFeatureReader(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new OnlineFeatureReader(sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<FeatureSet>()));
        return services;
    }

    /// <summary>The feature metrics, on the host's registry (the pipeline counts into them; the demo reads them).</summary>
    public static IServiceCollection AddFeatureMetrics(this IServiceCollection services)
    {
        services.AddSingleton(sp => new FeatureMetrics(sp.GetRequiredService<CollectorRegistry>()));
        return services;
    }
}
