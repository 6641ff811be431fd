using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StackExchange.Redis;

namespace Streaming.Models.Store;

public static class ModelStoreServiceCollectionExtensions
{
    /// <summary>The configured model store (once, whichever of the learner and serving asks first).</summary>
    public static IServiceCollection AddModelStore(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(ModelStoreOptions.Section).Get<ModelStoreOptions>() ?? new ModelStoreOptions();
        services.TryAddSingleton<IModelStore>(sp => options.Kind switch
        {
            ModelStoreKind.Directory => new DirectoryModelStore(options.Directory),
            _ => new RedisModelStore(sp.GetRequiredService<IConnectionMultiplexer>()),
        });
        return services;
    }
}
