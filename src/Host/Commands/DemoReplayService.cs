using Streaming.Ingest.Replay;
using Streaming.Platform.Kafka;

namespace Streaming.Host.Commands;

/// <summary>Replays the demo dataset once the host is up; with --once, prints the summary and stops the host.</summary>
public sealed class DemoReplayService(
    DemoSettings settings,
    ReplayRunner runner,
    KafkaClientConfigs configs,
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
            if (summary.Failed > 0) Environment.ExitCode = 1;
            if (!settings.Once)
                logger.LogInformation("Replay finished; still serving. POST more records to /v1/events or /v1/labels; Ctrl+C stops.");
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e) when (e is FileNotFoundException or IOException)
        {
            logger.LogError("Replay could not read {Path}: {Message}", settings.DataPath, e.Message);
            Environment.ExitCode = 1;
        }
        if (settings.Once) lifetime.StopApplication();
    }
}

/// <summary>What the demo replays and whether it stops afterwards.</summary>
public sealed record DemoSettings(string DataPath, double? Speed, long? Limit, bool Once);
