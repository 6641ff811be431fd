using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Prometheus;

namespace Streaming.Drift;

public static class DriftServiceCollectionExtensions
{
    /// <summary>Drift options, metrics and the alert sink (once, whichever of the learner and serving asks first).</summary>
    public static IServiceCollection AddDriftAlerts(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DriftOptions>().Bind(configuration.GetSection(DriftOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<DriftOptions>>().Value);
        services.TryAddSingleton(sp => new DriftMetrics(sp.GetRequiredService<CollectorRegistry>()));
        services.TryAddSingleton<DriftAlertSink>();
        return services;
    }
}
