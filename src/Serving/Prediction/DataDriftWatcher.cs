using System.Collections.Concurrent;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Streaming.Contracts;
using Streaming.Drift;
using Streaming.Drift.DataDrift;
using Streaming.Platform.Kafka;
using Streaming.Serving.Models;

namespace Streaming.Serving.Prediction;

/// <summary>
/// Data drift of what this node serves: every numeric input and every score goes into the model's
/// <see cref="DataDriftMonitor"/>, compared every <see cref="DriftOptions.CheckEvery"/> with the reference stored
/// with the version being served; alerts go to drift-alerts and the metrics.
/// </summary>
public sealed class DataDriftWatcher(DriftOptions options, DriftAlertSink sink, DriftMetrics metrics, KafkaClientConfigs kafka, TimeProvider clock) : BackgroundService
{
    private readonly ConcurrentDictionary<string, DataDriftMonitor> _monitors = new(StringComparer.Ordinal);

    /// <summary>Records one served prediction's numeric inputs and score (called on the request path: cheap).</summary>
    public void Record(string model, ServedModel served, IReadOnlyDictionary<string, IReadOnlyDictionary<string, FieldValue>> inputs, double score)
    {
        var monitor = _monitors.GetOrAdd(model, static (name, options) => new DataDriftMonitor(options, name), options);
        if (monitor.Version != served.Version) monitor.Rebase(served.Version, served.Manifest.Reference);
        foreach (var (name, value) in NumericFeatures.Of(inputs)) monitor.Add(name, value);
        monitor.Add(DataDriftMonitor.Score, score);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var producer = new ProducerBuilder<string?, byte[]>(kafka.Producer()).Build();
        using var timer = new PeriodicTimer(options.CheckEvery, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) CheckAll(producer);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
        producer.Flush(TimeSpan.FromSeconds(5));
    }

    /// <summary>One round of checks (the timer's work; public for tests).</summary>
    public IReadOnlyList<DriftAlert> CheckAll(IProducer<string?, byte[]> producer)
    {
        var published = new List<DriftAlert>();
        foreach (var (model, monitor) in _monitors)
        {
            var shifts = new Dictionary<string, DistributionShift>();
            foreach (var alert in monitor.Check(clock.GetUtcNow(), shifts))
            {
                sink.Publish(producer, alert);
                published.Add(alert);
            }
            foreach (var (feature, shift) in shifts)
            {
                metrics.Psi.WithLabels(model, feature).Set(shift.Psi);
                metrics.KsPValue.WithLabels(model, feature).Set(shift.KsPValue);
            }
        }
        return published;
    }
}
