using System.Collections.Concurrent;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Streaming.Contracts;
using Streaming.Platform.Kafka;
using Streaming.Platform.Threading;

namespace Streaming.Serving.Status;

/// <summary>
/// The drift alerts open right now, from every part (the learner's concept drift, every serving node's data
/// drift): the drift-alerts topic read from the beginning, an alert kept from its "open" record to its "resolved" one.
/// </summary>
public sealed class DriftAlertBoard(KafkaClientConfigs kafka, ILogger<DriftAlertBoard> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, DriftAlert> _open = new(StringComparer.Ordinal);

    public IReadOnlyList<DriftAlert> Open => [.. _open.Values.OrderBy(a => a.Since)];

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => BlockingLoop.Start(() =>
    {
        using var consumer = kafka.ReadFromBeginning(Topics.DriftAlerts, "status");
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (consumer.Consume(stoppingToken)?.Message?.Value is not { } value) continue;
                var alert = JsonSerializer.Deserialize(value, ContractsJsonContext.Default.DriftAlert);
                if (alert?.Key is null) continue;
                if (alert.State == DriftAlert.Open) _open[alert.Key] = alert;
                else _open.TryRemove(alert.Key, out _);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception e) when (e is ConsumeException || UnreadableRecord.Is(e))
            {
                logger.LogWarning("Skipped a drift alert record the status page could not read: {Reason}", e.Message);
            }
        }
        consumer.Close();
    }, stoppingToken);
}
