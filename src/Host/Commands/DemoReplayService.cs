using Streaming.FeatureStore;
using Streaming.Ingest.Replay;
using Streaming.Platform.Kafka;

namespace Streaming.Host.Commands;

/// <summary>Replays the demo dataset once the host is up; with --once, prints the summary and stops the host.</summary>
public sealed class DemoReplayService(
    DemoSettings settings,
    DemoOutcome outcome,
    ReplayRunner runner,
    KafkaClientConfigs configs,
    IServiceProvider services,
    IHostApplicationLifetime lifetime,
    ILogger<DemoReplayService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Let Kestrel finish starting so the address line is printed before the progress bar.
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(started.SetResult)) await started.Task.WaitAsync(stoppingToken);
        try
        {
            var summary = await ReplayExecution.RunAsync(runner, settings.DataPath, settings.Speed, settings.Limit, stoppingToken);
            ReplayExecution.Print(summary, settings.DataPath, configs);
            outcome.Summary = summary;
            await ReportFeaturesAsync(stoppingToken);
            if (!settings.Once)
                logger.LogInformation("Replay finished; still serving. POST more records to /v1/events or /v1/labels; Ctrl+C stops.");
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e) when (e is FileNotFoundException or IOException)
        {
            logger.LogError("Replay could not read {Path}: {Message}. Pass --data with a flights Parquet or JSON file.", settings.DataPath, e.Message);
            outcome.Error = e.Message;
        }
        if (settings.Once) lifetime.StopApplication();
    }

    /// <summary>When the feature pipeline runs here, waits for it to process the replay and says what it made of it.</summary>
    private async Task ReportFeaturesAsync(CancellationToken stoppingToken)
    {
        if (services.GetService<FeatureStoreService>() is not { } features) return;
        var metrics = services.GetRequiredService<FeatureMetrics>();
        var caughtUp = await features.WaitUntilCaughtUpAsync(TimeSpan.FromMinutes(5), stoppingToken);
        Console.WriteLine(
            $"features: {(caughtUp ? "caught up" : "NOT caught up after 5 min (see /metrics streaming_features_consumer_lag)")}; " +
            $"{Total(metrics.OnlineWrites):N0} online-store writes, {metrics.ExamplesJoined.Value:N0} training examples, " +
            $"{Total(metrics.LateRecords):N0} late records dead-lettered");
        if (!caughtUp) outcome.Error = "the feature pipeline did not catch up with the replay within 5 minutes";
    }

    private static double Total(Prometheus.Counter counter) =>
        counter.GetAllLabelValues().Sum(labels => counter.WithLabels(labels).Value);
}

/// <summary>What the demo replays and whether it stops afterwards.</summary>
public sealed record DemoSettings(string DataPath, double? Speed, long? Limit, bool Once);

/// <summary>How the demo's replay ended, for the exit code.</summary>
public sealed class DemoOutcome
{
    public ReplaySummary? Summary { get; set; }
    public string? Error { get; set; }

    /// <summary>0 when the replay ran, Kafka stored every record (accepted or dead-lettered) and, where it runs, the feature pipeline caught up.</summary>
    public int ExitCode => Error is null && Summary is { Failed: 0 } ? 0 : 1;
}
