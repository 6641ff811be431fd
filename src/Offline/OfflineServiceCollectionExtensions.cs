using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;
using Streaming.Offline.Lake;
using Streaming.Platform;

namespace Streaming.Offline;

public static class OfflineServiceCollectionExtensions
{
    /// <summary>The lake sink (Lake:* settings). Needs the platform and a CollectorRegistry.</summary>
    public static IServiceCollection AddLakeSink(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<LakeOptions>(configuration, LakeOptions.Section);
        services.AddSingleton(sp => new LakeMetrics(sp.GetRequiredService<CollectorRegistry>()));
        services.AddSingleton<LakeSink>();
        services.AddHostedService(sp => sp.GetRequiredService<LakeSink>());
        return services;
    }
}
