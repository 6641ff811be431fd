using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Streaming.OnlineLearner.Store;

namespace Streaming.OnlineLearner;

public static class LearnerServiceCollectionExtensions
{
    /// <summary>The online learner: its options, model store, metrics and loop. Needs the platform and a CollectorRegistry.</summary>
    public static IServiceCollection AddStreamingLearner(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<LearnerOptions>(configuration.GetSection(LearnerOptions.Section));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<LearnerOptions>>().Value);
        services.AddSingleton<IModelStore>(sp =>
        {
            var options = sp.GetRequiredService<LearnerOptions>();
            return options.Store switch
            {
                "redis" => new RedisModelStore(sp.GetRequiredService<IConnectionMultiplexer>()),
                "directory" => new DirectoryModelStore(options.StoreDirectory),
                _ => throw new InvalidOperationException($"Learner:Store is '{options.Store}'; use redis or directory."),
            };
        });
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<LearnerMetrics>();
        services.AddSingleton<LearnerService>();
        services.AddHostedService(sp => sp.GetRequiredService<LearnerService>());
        return services;
    }
}
