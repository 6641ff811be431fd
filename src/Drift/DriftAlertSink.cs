using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Streaming.Contracts;

namespace Streaming.Drift;

/// <summary>Where a drift alert goes: the <see cref="Topics.DriftAlerts"/> topic (keyed by alert), the metrics and the log.</summary>
public sealed class DriftAlertSink(DriftMetrics metrics, ILogger<DriftAlertSink> logger)
{
    public void Publish(IProducer<string?, byte[]> producer, DriftAlert alert)
    {
        producer.Produce(Topics.DriftAlerts, new Message<string?, byte[]>
        {
            Key = alert.Key,
            Value = JsonSerializer.SerializeToUtf8Bytes(alert, ContractsJsonContext.Default.DriftAlert),
        }, report =>
        {
            if (report.Error.IsError) logger.LogError("Could not publish drift alert {Key} ({State}): {Error}", alert.Key, alert.State, report.Error.Reason);
        });
        var open = alert.State == DriftAlert.Open;
        metrics.Alerts.WithLabels(alert.Kind, alert.Model, alert.Detector, alert.State).Inc();
        metrics.Open.WithLabels(alert.Kind, alert.Model, alert.Subject, alert.Detector).Set(open ? 1 : 0);
        if (open)
            logger.LogWarning("Drift alert {Key} on {Model} v{Version}: {Subject} {Value:F3} against {Threshold:F3} over the {Window}. {Action}",
                alert.Key, alert.Model, alert.ModelVersion, alert.Subject, alert.Value, alert.Threshold, alert.Window, alert.SuggestedAction);
        else
            logger.LogInformation("Drift alert {Key} resolved (open since {Since:O}). {Action}", alert.Key, alert.Since, alert.SuggestedAction);
    }
}
