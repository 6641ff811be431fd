using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Streaming.Drift;
using Streaming.Models.Store;
using Streaming.Platform;

namespace Streaming.OnlineLearner;

public static class LearnerServiceCollectionExtensions
{
    /// <summary>The online learner: its options, model store, metrics and loop. Needs the platform and a CollectorRegistry.</summary>
    public static IServiceCollection AddStreamingLearner(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<LearnerOptions>(configuration, LearnerOptions.Section);
        services.AddModelStore(configuration);
        services.AddDriftAlerts(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<LearnerMetrics>();
        services.AddSingleton<LearnerService>();
        services.AddHostedService(sp => sp.GetRequiredService<LearnerService>());
        return services;
    }
}
