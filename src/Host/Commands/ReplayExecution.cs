using System.Globalization;
using Streaming.Contracts;
using Streaming.Flights;
using Streaming.Host.Cli;
using Streaming.Ingest.Replay;
using Streaming.Platform.Kafka;

namespace Streaming.Host.Commands;

/// <summary>Runs one replay with a progress bar and prints what it did; shared by `replay` and `demo`.</summary>
internal static class ReplayExecution
{
    public static IReplaySource SourceFor(string path, long? limit) =>
        Path.GetExtension(path).Equals(".parquet", StringComparison.OrdinalIgnoreCase)
            ? new FlightsReplaySource(path, limit)
            : new JsonReplaySource(path, limit);

    public static async Task<ReplaySummary> RunAsync(ReplayRunner runner, string path, double? speed, long? limit, CancellationToken cancellationToken)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"No dataset at {Path.GetFullPath(path)}.", path);
        var source = SourceFor(path, limit);
        var progress = new ReplayProgress();
        ReplaySummary summary;
        await using (new ConsoleProgress("replay", () => (source.RowsRead, source.RowCount,
            string.Create(CultureInfo.InvariantCulture, $"rows | sent {progress.Published:N0} dead-lettered {progress.DeadLettered:N0} | {progress.SimulatedTime:yyyy-MM-dd HH:mm}"))))
        {
            summary = await runner.RunAsync(source, speed, progress, cancellationToken);
        }
        return summary;
    }

    public static void Print(ReplaySummary summary, string path, KafkaClientConfigs configs)
    {
        var timeout = TimeSpan.FromSeconds(10);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            Replay of {path}
              rows read            {summary.Rows,12:N0}
              events published     {summary.Events,12:N0}
              labels published     {summary.Labels,12:N0}
              dead-lettered        {summary.DeadLettered,12:N0}
              failed (not stored)  {summary.Failed,12:N0}
              elapsed              {summary.Elapsed.TotalSeconds,12:F1} s ({summary.RecordsPerSecond:N0} records/s)
            Topic end offsets on {configs.BootstrapServers} (records ever written)
              {Topics.Events,-20} {TopicOffsets.EndOffsetTotal(configs, Topics.Events, timeout),12:N0} records
              {Topics.Labels,-20} {TopicOffsets.EndOffsetTotal(configs, Topics.Labels, timeout),12:N0} records
              {Topics.DeadLetter,-20} {TopicOffsets.EndOffsetTotal(configs, Topics.DeadLetter, timeout),12:N0} records
            """));
    }
}
