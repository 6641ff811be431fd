using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Streaming.Drift;
using Streaming.Models.Store;

namespace Streaming.OnlineLearner;

public static class LearnerServiceCollectionExtensions
{
    /// <summary>The online learner: its options, model store, metrics and loop. Needs the platform and a CollectorRegistry.</summary>
    public static IServiceCollection AddStreamingLearner(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<LearnerOptions>(configuration.GetSection(LearnerOptions.Section));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<LearnerOptions>>().Value);
        services.AddModelStore(configuration);
        services.AddDriftAlerts(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<LearnerMetrics>();
        services.AddSingleton<LearnerService>();
        services.AddHostedService(sp => sp.GetRequiredService<LearnerService>());
        return services;
    }
}
