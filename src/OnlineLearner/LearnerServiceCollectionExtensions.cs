using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
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
        // Each further spec learns the same examples as a model of its own (Learner:Also).
        var also = configuration.GetSection(LearnerOptions.Section).Get<LearnerOptions>()?.Also ?? [];
        for (var i = 0; i < also.Count; i++)
        {
            var index = i;
            services.AddSingleton<IHostedService>(sp =>
            {
                var options = sp.GetRequiredService<LearnerOptions>();
                var spec = options.Spec with { }; // what it does not set is the main spec's
                configuration.GetSection($"{LearnerOptions.Section}:Also:{index}:Spec").Bind(spec);
                return ActivatorUtilities.CreateInstance<LearnerService>(sp, options.For(options.Also[index].Model, spec));
            });
        }
        return services;
    }
}
