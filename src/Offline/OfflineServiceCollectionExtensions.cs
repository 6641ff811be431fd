using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Prometheus;
using Streaming.Offline.Lake;

namespace Streaming.Offline;

public static class OfflineServiceCollectionExtensions
{
    /// <summary>The lake sink (Lake:* settings). Needs the platform and a CollectorRegistry.</summary>
    public static IServiceCollection AddLakeSink(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<LakeOptions>(configuration.GetSection(LakeOptions.Section));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<LakeOptions>>().Value);
        services.AddSingleton(sp => new LakeMetrics(sp.GetRequiredService<CollectorRegistry>()));
        services.AddSingleton<LakeSink>();
        services.AddHostedService(sp => sp.GetRequiredService<LakeSink>());
        return services;
    }
}
