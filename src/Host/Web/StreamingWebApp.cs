using Prometheus;
using Streaming.DataParallel;
using Streaming.FeatureStore.Streams;
using Streaming.Flights;
using Streaming.Host.Web.Access;
using Streaming.Ingest;
using Streaming.Ingest.Http;
using Streaming.Ingest.Replay;
using Streaming.Offline;
using Streaming.OnlineLearner;
using Streaming.Platform;
using Streaming.Serving;

namespace Streaming.Host.Web;

/// <summary>
/// The composition root of the HTTP host: platform (Kafka, Redis), ingest, access (keys, rate limits), metrics, health and
/// the OpenAPI document at /openapi/v1.json, with
/// configuration from appsettings.json, STREAMING_-free environment overrides (e.g. Kafka__BootstrapServers)
/// and --Section:Key=value arguments.
/// </summary>
internal static class StreamingWebApp
{
    public const string DefaultUrls = "http://127.0.0.1:8080";

    /// <param name="layer">A JSON file (in the content root) over appsettings.json and under the environment and the arguments: a command's own defaults.</param>
    public static WebApplication Build(string[] configurationArgs, string urls, HostParts parts = HostParts.Ingest, Action<WebApplicationBuilder>? configure = null,
        string? layer = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = configurationArgs,
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (layer is not null)
        {
            var sources = builder.Configuration.Sources;
            var above = sources.Select((source, index) => (source, index)).Last(s => s.source is Microsoft.Extensions.Configuration.Json.JsonConfigurationSource).index;
            sources.Insert(above + 1, new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
            {
                Path = layer,
                FileProvider = builder.Environment.ContentRootFileProvider,
                Optional = false,
            });
        }
        builder.WebHost.UseUrls(urls);
        AddServices(builder.Services, builder.Configuration);
        builder.Services.AddStreamingAccess(builder.Configuration);
        builder.Services.AddOpenApi();
        if (parts.HasFlag(HostParts.Features))
        {
            builder.Services.AddStreamingFeatures(builder.Configuration);
            builder.Services.AddHealthChecks().AddCheck<FeaturePipelineHealthCheck>("features", tags: ["ready"]);
            builder.Services.AddSingleton<IReplayBackpressure, FeaturePipelineBackpressure>();
        }
        if (parts.HasFlag(HostParts.Learner))
        {
            builder.Services.AddStreamingLearner(builder.Configuration);
            builder.Services.AddSingleton<IReplayBackpressure, LearnerBackpressure>();
        }
        if (parts.HasFlag(HostParts.Serving))
        {
            builder.Services.AddStreamingServing(builder.Configuration);
            // Version 0 is the model the learner would start from: its configured spec, unless serving is given one.
            var learnerSpec = builder.Configuration.GetSection(LearnerOptions.Section).Get<LearnerOptions>()?.Spec ?? new LearnerOptions().Spec;
            builder.Services.PostConfigure<ServingOptions>(options => options.ColdStartSpec ??= learnerSpec);
        }
        if (parts.HasFlag(HostParts.Lake)) builder.Services.AddLakeSink(builder.Configuration);
        if (parts.HasFlag(HostParts.ParameterServer)) builder.Services.AddParameterServer(builder.Configuration);
        if (parts.HasFlag(HostParts.LearnerWorker)) builder.Services.AddDataParallelWorker(builder.Configuration);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        var registry = app.Services.GetRequiredService<CollectorRegistry>();
        app.UseHttpMetrics(options => options.SetMetricFactory(Metrics.WithCustomRegistry(registry)));
        app.UseStreamingAccess();
        if (parts.HasFlag(HostParts.Ingest)) app.MapIngestEndpoints().RequireAccess(AccessScopes.Ingest);
        if (parts.HasFlag(HostParts.Serving))
        {
            var serving = app.MapStreamingServing();
            serving.Predictions.RequireAccess(AccessScopes.Predict);
            serving.Admin.RequireAccess(AccessScopes.Admin);
        }
        app.MapHealthEndpoints();
        app.MapMetrics("/metrics", registry);
        app.MapOpenApi();
        return app;
    }

    /// <summary>Platform, ingest, metrics and health: what every host of ours has; shared with the non-HTTP commands.</summary>
    public static void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddProblemDetails();
        services.AddSingleton(_ =>
        {
            var registry = Metrics.NewCustomRegistry();
            DotNetStats.Register(registry);
            RuntimePauseMetrics.Register(registry);
            return registry;
        });
        services.AddStreamingPlatform(configuration);
        services.AddStreamingIngest(configuration);
        // The one domain this service ships with: the generic parts (features, serving) read their views from DI.
        services.AddSingleton(FlightFeatureViews.Set);
        services.AddHealthChecks()
            .AddCheck<KafkaHealthCheck>("kafka", tags: ["ready"])
            .AddCheck<RedisHealthCheck>("redis", tags: ["ready"])
            .AddCheck<PartsHealthCheck>("parts", tags: ["live", "ready"]);
    }

}

/// <summary>Which parts a host process runs besides the platform, health and metrics.</summary>
[Flags]
public enum HostParts
{
    /// <summary>The HTTP ingest API.</summary>
    Ingest = 1,
    /// <summary>The online learner loop.</summary>
    Learner = 2,
    /// <summary>The streaming feature pipeline (online store and training examples).</summary>
    Features = 4,
    /// <summary>The prediction API (ONNX Runtime, online features, hot swap).</summary>
    Serving = 8,
    /// <summary>The Parquet lake sink (events, labels, predictions).</summary>
    Lake = 16,
    /// <summary>The parameter server of a data-parallel model (DataParallel:* settings).</summary>
    ParameterServer = 32,
    /// <summary>One learner worker of a data-parallel model.</summary>
    LearnerWorker = 64,
    /// <summary>What the demo runs: every part but the lake (which would fill a folder on every demo run).</summary>
    All = Ingest | Learner | Features | Serving,
}
