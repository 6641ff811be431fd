using System.Collections.Concurrent;
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
public sealed class DriftAlertBoard(KafkaClientConfigs kafka, ServingMetrics metrics, ILogger<DriftAlertBoard> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, DriftAlert> _open = new(StringComparer.Ordinal);

    public IReadOnlyList<DriftAlert> Open => [.. _open.Values.OrderBy(a => a.Since)];

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => BlockingLoop.Start(() =>
    {
        using var consumer = kafka.ReadFromBeginning(Topics.DriftAlerts, "status");
        using var rejects = new StatusRecordRejects(kafka, metrics, logger);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (consumer.Consume(stoppingToken) is not { Message: not null } result) continue;
                if (Read(result, rejects) is not { } alert) continue;
                if (alert.State == DriftAlert.Open) _open[alert.Key] = alert;
                else _open.TryRemove(alert.Key, out _);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ConsumeException e)
            {
                logger.LogWarning("Reading {Topic} failed ({Reason}); the status page's alerts may lag", Topics.DriftAlerts, e.Error.Reason);
            }
        }
        consumer.Close();
    }, stoppingToken);

    private const string MalformedAlert = "malformed_alert";

    /// <summary>The alert; null (dead-lettered) when the record is not a usable one.</summary>
    private static DriftAlert? Read(ConsumeResult<string?, byte[]> result, StatusRecordRejects rejects)
    {
        if (rejects.Read(result, ContractsJsonContext.Default.DriftAlert, MalformedAlert, "a drift alert") is not { } alert) return null;
        var problem = alert switch
        {
            { Key: null or "" } => "the alert has no key",
            { State: not (DriftAlert.Open or DriftAlert.Resolved) } => $"state '{alert.State}': an alert is open or resolved",
            _ => null,
        };
        if (problem is not null) rejects.Reject(result, MalformedAlert, problem);
        else if ((RecordBounds.TimeProblem(alert.Since, result.Message.Timestamp.UnixTimestampMs) ?? RecordBounds.TimeProblem(alert.Time, result.Message.Timestamp.UnixTimestampMs)) is { } time)
            rejects.Reject(result, RecordBounds.TimeOutOfRange, time);
        else if ((RecordBounds.NumberProblem("value", alert.Value) ?? RecordBounds.NumberProblem("threshold", alert.Threshold)) is { } number)
            rejects.Reject(result, RecordBounds.NumberOutOfRange, number);
        else return alert;
        return null;
    }
}
