using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Prometheus;
using Streaming.Drift;
using Streaming.FeatureStore;
using Streaming.Models.Store;
using Streaming.Platform;
using Streaming.Serving.Http;
using Streaming.Serving.Inference;
using Streaming.Serving.Models;
using Streaming.Serving.Prediction;
using Streaming.Serving.Rollouts;
using Streaming.Serving.Status;

namespace Streaming.Serving;

public static class ServingServiceCollectionExtensions
{
    /// <summary>Serving: model following and hot swap, online features, ONNX Runtime, prediction log. Needs the platform and a CollectorRegistry.</summary>
    public static IServiceCollection AddStreamingServing(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<ServingOptions>(configuration, ServingOptions.Section);
        services.AddModelStore(configuration);
        services.AddOnlineFeatureReader();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new ServingMetrics(sp.GetRequiredService<CollectorRegistry>()));
        services.AddSingleton<ExecutionDevice>();
        services.AddSingleton<ModelRegistry>();
        services.AddSingleton<ModelCatalog>();
        services.AddSingleton<ModelFollower>();
        services.AddHostedService(sp => sp.GetRequiredService<ModelFollower>());
        services.AddSingleton<PredictionLogPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<PredictionLogPublisher>());
        services.AddDriftAlerts(configuration);
        services.AddSingleton<DataDriftWatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<DataDriftWatcher>());
        services.AddSingleton<VersionHistory>();
        services.AddSingleton<FeatureFreshness>();
        services.AddSingleton<Throughput>();
        services.AddHostedService(sp => sp.GetRequiredService<Throughput>());
        services.AddSingleton<DriftAlertBoard>();
        services.AddHostedService(sp => sp.GetRequiredService<DriftAlertBoard>());
        services.AddSingleton<GuardedFeatureReads>();
        services.AddSingleton<RolloutStore>();
        services.AddSingleton<RolloutTable>();
        services.AddHostedService(sp => sp.GetRequiredService<RolloutTable>());
        services.AddSingleton<ArmGuard>();
        services.AddSingleton<RolloutJudge>();
        services.AddHostedService(sp => sp.GetRequiredService<RolloutJudge>());
        services.AddSingleton<Predictor>();
        services.AddSingleton<MicroBatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<MicroBatcher>());
        services.AddSingleton<AdminActions>();
        services.AddHealthChecks().AddCheck<ModelsLoadedHealthCheck>("models", tags: ["ready"]);
        return services;
    }

    /// <summary>The prediction, model and admin endpoints and the status page.</summary>
    /// <returns>The prediction and the admin endpoints, for the host to put its access rules on.</returns>
    public static ServingRoutes MapStreamingServing(this IEndpointRouteBuilder endpoints)
    {
        var predictions = endpoints.MapServingEndpoints();
        var admin = endpoints.MapAdminEndpoints();
        endpoints.MapStatusPage();
        return new ServingRoutes(predictions, admin);
    }
}

/// <summary>The route groups serving maps that need the host's access rules: predictions (and model reads), and admin.</summary>
public sealed record ServingRoutes(RouteGroupBuilder Predictions, RouteGroupBuilder Admin);
