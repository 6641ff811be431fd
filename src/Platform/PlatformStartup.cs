using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Streaming.Contracts;
using Streaming.Platform.Kafka;

namespace Streaming.Platform;

/// <summary>
/// Runs first: creates every topic (Streamiz and our consumers expect them to exist) and checks that
/// Redis answers, so a misconfiguration fails the start with a message instead of later, quietly.
/// </summary>
internal sealed class PlatformStartup(
    IKafkaCluster kafka,
    Kafka.KafkaOptions kafkaOptions,
    IConnectionMultiplexer redis,
    ILogger<PlatformStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await kafka.EnsureTopicsAsync(Topics.All(kafkaOptions.StreamPartitions, kafkaOptions.TrainingExamplePartitions), cancellationToken);
        logger.LogInformation("Kafka ({Kind}) at {Bootstrap}: topics ready", kafka.Kind, kafka.BootstrapServers);
        try
        {
            var latency = await redis.GetDatabase().PingAsync();
            logger.LogInformation("Redis at {Endpoints} answered PING in {Latency:F2} ms",
                string.Join(",", redis.GetEndPoints().Select(e => e.ToString())), latency.TotalMilliseconds);
        }
        catch (RedisException e)
        {
            logger.LogWarning(e, "Redis does not answer yet; check Redis:Configuration. Will keep retrying.");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
