using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Prometheus;
using Streaming.Ingest.Publishing;
using Streaming.Ingest.Replay;
using Streaming.Ingest.Validation;
using Streaming.Platform;

namespace Streaming.Ingest;

public static class IngestServiceCollectionExtensions
{
    /// <summary>
    /// Validation, the shared Kafka producer, the ingest pipeline, the producer library and replay.
    /// Needs the platform (<c>AddStreamingPlatform</c>) and a <see cref="CollectorRegistry"/> singleton.
    /// </summary>
    public static IServiceCollection AddStreamingIngest(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<IngestOptions>(configuration, IngestOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IngestMetrics>();
        services.AddSingleton<RecordValidator>();
        services.AddSingleton<KafkaRecordPublisher>();
        services.AddSingleton<IngestPipeline>();
        services.AddSingleton<EventProducer>();
        services.AddSingleton<ReplayRunner>();
        return services;
    }
}
