using Microsoft.AspNetCore.Hosting.Server.Features;
using Streaming.Contracts;
using StackExchange.Redis;
using Streaming.FeatureStore;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Online;
using Streaming.Ingest.Replay;
using Streaming.Platform.Kafka;
using Streaming.Serving;
using Streaming.Serving.Inference;
using Streaming.Serving.Models;
using Streaming.Serving.Prediction;

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
            await ReportServingAsync(stoppingToken);
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

    /// <summary>When serving runs here, waits for a learned version and shows one prediction, as an application would get it.</summary>
    private async Task ReportServingAsync(CancellationToken stoppingToken)
    {
        if (services.GetService<ModelRegistry>() is not { } registry) return;
        var options = services.GetRequiredService<ServingOptions>();
        var model = options.Models[0];
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (registry.Peek(model) is null && DateTime.UtcNow < deadline) await Task.Delay(250, stoppingToken);
        if (registry.Peek(model) is not { } served)
        {
            Console.WriteLine($"serving: no version of {model} loaded within a minute (see /readyz)");
            outcome.Error = "serving loaded no model version";
            return;
        }
        // "Now", as far as the replayed data goes: just after the newest value stored for this flight's entities
        // (the replay ends with labels landing after the last departure).
        var keys = new Dictionary<string, string> { ["origin"] = "ORD", ["destination"] = "LGA", ["route"] = "ORD-LGA" };
        var redis = services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var watermarks = await Task.WhenAll(services.GetRequiredService<FeatureSet>().Views
            .Select(view => redis.HashGetAsync(OnlineKeys.For(view.Name, keys[view.Entity]), OnlineKeys.Watermark)));
        var time = watermarks.Where(w => w.HasValue).Select(w => DateTimeOffset.FromUnixTimeMilliseconds((long)w)).DefaultIfEmpty(DateTimeOffset.UtcNow).Max()
            + TimeSpan.FromMinutes(1);
        var request = new PredictionRequest(keys, new Dictionary<string, FieldValue> { ["distance"] = 733 }, time);
        var logged = services.GetRequiredService<ServingMetrics>().LogPublished;
        var loggedBefore = logged.Value;
        var answer = (await services.GetRequiredService<Predictor>().PredictAsync(model, [request]))?[0];
        if (answer is null) return;
        outcome.ServedVersion = answer.ModelVersion;
        // The prediction log is published in the background; a --once demo should not stop before Kafka has it.
        var logDeadline = DateTime.UtcNow.AddSeconds(10);
        while (logged.Value == loggedBefore && DateTime.UtcNow < logDeadline) await Task.Delay(20, stoppingToken);
        Console.WriteLine($"serving: {model} v{answer.ModelVersion} on {services.GetRequiredService<ExecutionDevice>().Name}; " +
            $"ORD→LGA at {time:u}: P(departs > 15 min late) = {answer.Score:F3}, " +
            $"features {string.Join(", ", answer.Features.Select(f => $"{f.Key} {f.Value.Status}"))}");
        var address = services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        Console.WriteLine($"  try: curl -s {address}/v1/models/{model}/predict -H 'content-type: application/json' " +
            $"-d '{{\"keys\":{{\"origin\":\"ORD\",\"destination\":\"LGA\",\"route\":\"ORD-LGA\"}},\"fields\":{{\"distance\":733}},\"time\":\"{time:O}\"}}'");
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

    /// <summary>The model version that answered the demo's prediction, when serving ran.</summary>
    public long? ServedVersion { get; set; }

    /// <summary>0 when the replay ran, Kafka stored every record (accepted or dead-lettered) and, where it runs, the feature pipeline caught up.</summary>
    public int ExitCode => Error is null && Summary is { Failed: 0 } ? 0 : 1;
}
