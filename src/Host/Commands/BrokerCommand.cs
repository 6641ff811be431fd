using System.CommandLine;
using Streaming.Platform;
using Streaming.Platform.Kafka;
using Streaming.Platform.Redis;

namespace Streaming.Host.Commands;

/// <summary>
/// `broker`: embedded Kafka and Redis only, for running the other parts as separate processes on one
/// machine. Prints the addresses to pass them as --Kafka:BootstrapServers and --Redis:Configuration.
/// </summary>
internal static class BrokerCommand
{
    public static Command Create()
    {
        var command = new Command("broker", "Run embedded Kafka (librdkafka mock cluster) and Redis (Garnet) for other processes.");
        command.SetAction(async (result, cancellationToken) =>
        {
            var builder = result.CreateHostBuilder();
            builder.Services.AddStreamingPlatform(builder.Configuration);
            using var host = builder.Build();
            await host.StartAsync(cancellationToken);
            var kafka = host.Services.GetRequiredService<IKafkaCluster>();
            var redis = host.Services.GetRequiredService<RedisOptions>().IsEmbedded
                ? host.Services.GetRequiredService<EmbeddedGarnet>().Endpoint
                : host.Services.GetRequiredService<RedisOptions>().Configuration;
            Console.WriteLine($"--Kafka:BootstrapServers={kafka.BootstrapServers} --Redis:Configuration={redis}");
            await host.WaitForShutdownAsync(cancellationToken);
            return 0;
        });
        return command;
    }
}
