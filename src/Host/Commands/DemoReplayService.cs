using System.Globalization;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Streaming.Contracts;
using Streaming.FeatureStore;
using Streaming.FeatureStore.Streams;
using Streaming.Flights;
using Streaming.Host.Cli;
using Streaming.Host.Demo;
using Streaming.Ingest.Replay;
using Streaming.OnlineLearner;
using Streaming.Platform.Kafka;
using Streaming.Serving;
using Streaming.Serving.Inference;
using Streaming.Serving.Prediction;
using Streaming.Serving.Rollouts;

namespace Streaming.Host.Commands;

/// <summary>
/// Replays the demo dataset once the host is up, as an application would use the service (<see cref="ApplicationReplay"/>);
/// with --once, waits for the pipeline and the learner to take in everything, prints the summary and the loss line,
/// and stops the host.
/// </summary>
internal sealed class DemoReplayService(
    DemoSettings settings,
    DemoOutcome outcome,
    ApplicationReplay replay,
    KafkaClientConfigs configs,
    FeatureStoreService features,
    FeatureMetrics featureMetrics,
    RolloutTable rollouts,
    RolloutJudge judge,
    IConfiguration configuration,
    IServiceProvider services,
    IHostApplicationLifetime lifetime,
    ILogger<DemoReplayService> logger) : BackgroundService
{
    private static readonly TimeSpan CatchUpTimeout = TimeSpan.FromMinutes(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Let Kestrel finish starting so the address line is printed before the progress bar.
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(started.SetResult)) await started.Task.WaitAsync(stoppingToken);
        var wall = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            if (!File.Exists(settings.DataPath)) throw new FileNotFoundException($"No dataset at {Path.GetFullPath(settings.DataPath)}.", settings.DataPath);
            if (!Path.GetExtension(settings.DataPath).Equals(".parquet", StringComparison.OrdinalIgnoreCase))
                throw new IOException("the demo replays flights Parquet (it predicts each departure like an application); `replay` publishes JSON or NDJSON events");
            await StartRolloutAsync(stoppingToken);
            var source = new FlightsReplaySource(settings.DataPath, settings.Limit);
            var progress = new ReplayProgress();
            ApplicationReplaySummary summary;
            await using (new ConsoleProgress("replay", () => (source.RowsRead, source.RowCount,
                string.Create(CultureInfo.InvariantCulture, $"rows | sent {progress.Published:N0} | {progress.SimulatedTime:yyyy-MM-dd HH:mm}"))))
            {
                summary = await replay.RunAsync(source, settings.Speed, settings.MaxLag, progress, stoppingToken);
            }
            outcome.Summary = summary.Replay;
            ReplayExecution.Print(summary.Replay, settings.DataPath, configs);
            PrintServed(summary);
            await ReportLearningAsync(summary, stoppingToken);
            ReportRollout();
            await ReportServingAsync(summary);
            Console.WriteLine($"wall time: {wall.Elapsed.TotalSeconds:F1} s");
            if (!settings.Once)
                logger.LogInformation("Replay finished; still serving. POST more records to /v1/events or /v1/labels; Ctrl+C stops.");
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        catch (TimeoutException e)
        {
            logger.LogError("The demo cannot start its replay: {Message}", e.Message);
            outcome.Error = e.Message;
        }
        catch (Exception e) when (e is FileNotFoundException or IOException)
        {
            logger.LogError("Replay could not read {Path}: {Message}. Pass --data with a flights Parquet file.", settings.DataPath, e.Message);
            outcome.Error = e.Message;
        }
        if (settings.Once) lifetime.StopApplication();
    }

    private static void PrintServed(ApplicationReplaySummary summary)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"predictions: {summary.Predictions:N0} ({summary.ColdStartPredictions:N0} by version 0, before the first snapshot; {summary.Unpredicted:N0} departures unanswered); " +
            $"{summary.LabelsWithPrediction:N0} labels name their prediction"));
        var lag = summary.PipelineLagMinutes;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"pipeline lag behind the requests (event time, bound {summary.MaxLag.TotalMinutes:G} min): p50 {lag.P50:F1} min, p95 {lag.P95:F1} min, max {lag.Max:F1} min over {lag.Count:N0} batches"));
        foreach (var (view, age) in summary.FeatureAgeMinutes.OrderBy(a => a.Key, StringComparer.Ordinal))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  served {view,-24} age p50 {age.P50,7:F1} min, p95 {age.P95,7:F1} min (request time minus its newest contribution)"));
    }

    /// <summary>Waits until the pipeline has every record and the learner every example, then prints what it learned.</summary>
    private async Task ReportLearningAsync(ApplicationReplaySummary summary, CancellationToken stoppingToken)
    {
        var caughtUp = await features.WaitUntilCaughtUpAsync(CatchUpTimeout, stoppingToken);
        var deadline = DateTime.UtcNow + CatchUpTimeout;
        while (caughtUp && featureMetrics.ExamplesJoined.Value < summary.LabelsWithPrediction && DateTime.UtcNow < deadline) await Task.Delay(100, stoppingToken);
        var joined = (long)featureMetrics.ExamplesJoined.Value;
        var timeout = TimeSpan.FromSeconds(10);
        var examplesTopic = TopicOffsets.EndOffsetTotal(configs, Topics.TrainingExamples, timeout);
        // Each learner publishes its position at the end of each micro-batch.
        while (Learners.Any(l => l.Progress.Position < examplesTopic) && DateTime.UtcNow < deadline) await Task.Delay(100, stoppingToken);
        Console.WriteLine(
            $"features: {(caughtUp ? "caught up" : "NOT caught up (see /metrics streaming_features_consumer_lag)")}; " +
            $"{Total(featureMetrics.OnlineWrites):N0} tile writes, {joined:N0} training examples, {Total(featureMetrics.LateRecords):N0} late records dead-lettered");
        Console.WriteLine($"nothing lost: events {TopicOffsets.EndOffsetTotal(configs, Topics.Events, timeout):N0} of {summary.Replay.Events:N0} published, " +
            $"labels {TopicOffsets.EndOffsetTotal(configs, Topics.Labels, timeout):N0} of {summary.Replay.Labels:N0}, " +
            $"training examples {examplesTopic:N0} for {summary.LabelsWithPrediction:N0} labels with a prediction");
        // Every learner's own figures (the configured one first); the loss line is the configured learner's.
        foreach (var learner in Learners.Skip(1))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {learner.Model}: progressive_log_loss={learner.Progress.ProgressiveLoss:F4} served_log_loss={learner.Progress.ServedLoss:F4} examples={learner.Progress.Examples}"));
        var progress = Learners[0].Progress;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"progressive_log_loss={progress.ProgressiveLoss:F4} served_log_loss={progress.ServedLoss:F4} examples={progress.Examples}"));
        var behind = Learners.FirstOrDefault(l => l.Progress.Position < examplesTopic);
        if (!caughtUp) outcome.Error = "the feature pipeline did not catch up with the replay";
        else if (examplesTopic < summary.LabelsWithPrediction || behind is not null)
            outcome.Error = $"{summary.LabelsWithPrediction:N0} labels named a prediction, {examplesTopic:N0} training examples were published" +
                (behind is null ? "" : $" and the learner of {behind.Model} read {behind.Progress.Position:N0}");
    }

    /// <summary>The learners of this host: the configured one first, then those of Learner:Also.</summary>
    private IReadOnlyList<LearnerService> Learners => field ??= [.. services.GetServices<IHostedService>().OfType<LearnerService>().Distinct()];

    /// <summary>Sets the demo's rollout (Demo:Rollout), so the learners' specs are A/B-tested on the replay's requests.</summary>
    private async Task StartRolloutAsync(CancellationToken cancellationToken)
    {
        if (configuration.GetSection("Demo:Rollout").Get<Rollout>() is not { } rollout) return;
        var model = services.GetRequiredService<ServingOptions>().Models[0];
        if (rollouts.Validate(model, rollout) is { } problem)
        {
            logger.LogWarning("Demo:Rollout is not applied: {Detail}", problem.Detail);
            return;
        }
        var applied = await rollouts.SetAsync(model, rollout, cancellationToken);
        Console.WriteLine($"rollout: {applied.Mode} on {model}, challengers {string.Join(", ", applied.Challengers.Select(c => $"{c.Model} {c.Percent} %"))}, " +
            $"sticky by {applied.StickyKey ?? "every key"} (Demo:Rollout; judged on the labels as they join)");
    }

    /// <summary>Each arm's live figures from the rollout judge, and the decisions it took.</summary>
    private void ReportRollout()
    {
        foreach (var standing in judge.Standings)
        {
            var judged = standing.Judged;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"rollout {standing.Model} ({standing.Mode}) over {judged.Labels:N0} labels: live loss {standing.Model} {judged.ChampionLoss:F4} (AUC {standing.ChampionAuc:F3}), " +
                $"{standing.Challenger} {judged.ChallengerLoss:F4} (AUC {standing.ChallengerAuc:F3}), z = {judged.Z:F2}"));
        }
        foreach (var decision in judge.Decisions)
            Console.WriteLine($"rollout decision: {decision.Decision} {decision.Challenger} at {decision.Labels:N0} labels: {decision.Reason}");
        if (judge.Standings.Count > 0 && judge.Decisions.Count == 0) Console.WriteLine("rollout decision: none (no arm better or worse with the stated confidence)");
    }

    /// <summary>Shows one prediction as an application would get it, with the newest version.</summary>
    private async Task ReportServingAsync(ApplicationReplaySummary summary)
    {
        var model = services.GetRequiredService<ServingOptions>().Models[0];
        var keys = new Dictionary<string, string> { ["origin"] = "ORD", ["destination"] = "LGA", ["route"] = "ORD-LGA" };
        // "Now", as far as the replayed data goes: just after its last record.
        var time = summary.Replay.Rows == 0 ? DateTimeOffset.UtcNow : summary.LastArrival + TimeSpan.FromMinutes(1);
        var request = new PredictionRequest(keys, new Dictionary<string, FieldValue> { ["distance"] = 733 }, time);
        var answer = (await services.GetRequiredService<Predictor>().PredictAsync(model, [request]))?[0];
        if (answer is null) return;
        outcome.ServedVersion = answer.ModelVersion;
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

/// <summary>What the demo replays, how far the features may lag the requests, and whether it stops afterwards.</summary>
internal sealed record DemoSettings(string DataPath, double? Speed, long? Limit, bool Once, TimeSpan MaxLag);

/// <summary>How the demo's replay ended, for the exit code.</summary>
internal sealed class DemoOutcome
{
    public ReplaySummary? Summary { get; set; }
    public string? Error { get; set; }

    /// <summary>The model version that answered the demo's last prediction.</summary>
    public long? ServedVersion { get; set; }

    /// <summary>0 when the replay ran, Kafka stored every record, the pipeline caught up and the learner took every example.</summary>
    public int ExitCode => Error is null && Summary is { Failed: 0 } ? 0 : 1;
}
