using System.CommandLine;
using Streaming.Host.Web;
using Streaming.Ingest.Replay;
using Streaming.Platform.Kafka;

namespace Streaming.Host.Commands;

/// <summary>`replay FILE`: publish a dataset's events and labels at their realistic arrival times.</summary>
internal static class ReplayCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "Flights Parquet (flights-3m.parquet schema), or JSON/NDJSON events." };
        var speed = CommonOptions.Speed("max");
        var limit = CommonOptions.Limit();
        var command = new Command("replay", "Publish a dataset's rows as events, and their labels when they would have arrived.")
        {
            file, speed, limit,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var builder = result.CreateHostBuilder();
            StreamingWebApp.AddServices(builder.Services, builder.Configuration);
            using var host = builder.Build();
            await host.StartAsync(cancellationToken);
            var configs = host.Services.GetRequiredService<KafkaClientConfigs>();
            if (host.Services.GetRequiredService<KafkaOptions>().IsEmbedded)
                host.Services.GetRequiredService<ILogger<ReplayRunner>>().LogWarning(
                    "No Kafka:BootstrapServers given: replaying into a private embedded broker that ends with this command. " +
                    "Start `streaming broker` (or a real Kafka) and pass --Kafka:BootstrapServers=HOST:PORT to keep the data.");
            var path = result.GetValue(file)!;
            var summary = await ReplayExecution.RunAsync(host.Services.GetRequiredService<ReplayRunner>(), path,
                CommonOptions.ParseSpeed(result.GetValue(speed)!), result.GetValue(limit), cancellationToken);
            ReplayExecution.Print(summary, path, configs);
            await host.StopAsync(CancellationToken.None);
            return summary.Failed > 0 ? 1 : 0;
        });
        return command;
    }
}
