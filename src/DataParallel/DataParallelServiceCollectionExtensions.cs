using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Streaming.Models.Store;
using Streaming.Platform;

namespace Streaming.DataParallel;

public static class DataParallelServiceCollectionExtensions
{
    /// <summary>The parameter server of DataParallel:Model. Needs the platform and a CollectorRegistry.</summary>
    public static IServiceCollection AddParameterServer(this IServiceCollection services, IConfiguration configuration)
    {
        AddCommon(services, configuration);
        services.AddModelStore(configuration);
        services.AddSingleton<ParameterServerService>();
        services.AddHostedService(sp => sp.GetRequiredService<ParameterServerService>());
        return services;
    }

    /// <summary>One learner worker of DataParallel:Model. Needs the platform and a CollectorRegistry.</summary>
    public static IServiceCollection AddDataParallelWorker(this IServiceCollection services, IConfiguration configuration)
    {
        AddCommon(services, configuration);
        services.AddSingleton<DataParallelWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<DataParallelWorker>());
        return services;
    }

    private static void AddCommon(IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(s => s.ServiceType == typeof(DataParallelOptions))) return;
        services.AddSettings<DataParallelOptions>(configuration, DataParallelOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<DataParallelMetrics>();
        services.AddSingleton<ParameterServerStore>();
    }
}
