using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;
using Streaming.FeatureStore;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Online;
using Streaming.Host.Cli;
using Streaming.Host.Web;
using Streaming.Offline.Backfill;
using Streaming.Offline.Lake;
using Streaming.Platform.Redis;

namespace Streaming.Host.Commands;

/// <summary>
/// `backfill`: the feature views recomputed from history (the Parquet lake, or a flights file) with the streaming
/// definitions; a point-in-time training set to Parquet; optionally the latest values into Redis (--materialize) and a
/// parity report against what streaming left there (--parity).
/// </summary>
public static class BackfillCommand
{
    public static Command Create()
    {
        var lake = new Option<string?>("--lake") { Description = "Lake folder to read (default Lake:Directory)." };
        var data = new Option<string?>("--data") { Description = "Read a flights Parquet file instead of the lake." };
        var limit = CommonOptions.Limit();
        var from = new Option<DateTime?>("--from") { Description = "First event time included (UTC; default: the beginning)." };
        var to = new Option<DateTime?>("--to") { Description = "First event time excluded (UTC; default: the end)." };
        var output = new Option<string?>("--out") { Description = "Write the point-in-time training set here (Parquet)." };
        var materialize = new Option<bool>("--materialize") { Description = "Write every entity's latest values into the Redis online store." };
        var parity = new Option<bool>("--parity") { Description = "Compare the backfilled latest values with Redis and list every mismatch." };
        var metricsFile = new Option<string?>("--metrics-file")
        {
            Description = "Write the parity figures as Prometheus text here (for node_exporter's textfile collector: a batch job has no /metrics).",
        };
        var command = new Command("backfill", "Recompute the feature views from history with the streaming definitions; training set, materialization, parity.")
        {
            lake, data, limit, from, to, output, materialize, parity, metricsFile,
        }.AcceptingConfiguration();
        command.SetAction(async (result, cancellationToken) =>
        {
            var builder = result.CreateHostBuilder();
            var needsRedis = result.GetValue(materialize) || result.GetValue(parity);
            if (needsRedis) StreamingWebApp.AddServices(builder.Services, builder.Configuration);
            var features = builder.Configuration.GetSection(FeatureStoreOptions.Section).Get<FeatureStoreOptions>() ?? new FeatureStoreOptions();
            using var host = builder.Build();
            if (needsRedis) await host.StartAsync(cancellationToken);
            if (needsRedis && host.Services.GetRequiredService<RedisOptions>().IsEmbedded)
                Console.Error.WriteLine("No Redis:Configuration given: --materialize/--parity use a private embedded Redis that ends with this command.");

            var path = result.GetValue(data);
            var lakeFolder = result.GetValue(lake) ?? builder.Configuration["Lake:Directory"] ?? "lake";
            DateTime start = result.GetValue(from) ?? DateTime.MinValue, end = result.GetValue(to) ?? DateTime.MaxValue;
            var history = path is not null
                ? HistorySource.FromFlightsAsync(path, result.GetValue(limit), cancellationToken).Where(r => r.Time >= start && r.Time < end)
                : HistorySource.FromLakeAsync(new LakeStore(lakeFolder), start, end, cancellationToken);
            var run = new BackfillRun(FlightFeatureViews.Set, features.JoinHorizon);
            var clock = Stopwatch.StartNew();
            await using (new ConsoleProgress("backfill", () => (run.Features.Records, null, $"records | {run.Examples:N0} examples | {run.Watermark:u}")))
                await run.RunAsync(history, result.GetValue(output), cancellationToken);
            var seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"Backfill of {path ?? Path.GetFullPath(lakeFolder)}");
            Console.WriteLine($"  records              {run.Features.Records,12:N0}  ({run.Features.Records / Math.Max(seconds, 1e-3):N0}/s)");
            Console.WriteLine($"  training examples    {run.Examples,12:N0}{(result.GetValue(output) is { } o ? $"  → {Path.GetFullPath(o)}" : "")}");
            Console.WriteLine($"  unmatched labels     {run.UnmatchedLabels,12:N0}");
            Console.WriteLine($"  online values        {run.Features.Latest().LongCount(),12:N0}");
            if (!needsRedis) return 0;

            var redis = host.Services.GetRequiredService<IConnectionMultiplexer>();
            var exit = 0;
            if (result.GetValue(materialize))
            {
                // The streaming pipeline's own writer: same layout, same TTLs, and never over a newer window.
                await using var writer = new RedisOnlineStoreWriter(redis, new FeatureMetrics(host.Services.GetRequiredService<Prometheus.CollectorRegistry>()),
                    host.Services.GetRequiredService<ILogger<RedisOnlineStoreWriter>>(), features.WriterQueueCapacity, features.WriterMaxBatch);
                var written = run.Features.MaterializeTo(writer);
                await writer.FlushAsync(cancellationToken);
                Console.WriteLine($"  materialized         {written,12:N0} hashes into Redis");
            }
            if (result.GetValue(parity))
            {
                var report = await ParityReport.CompareOnlineAsync(redis, run.Features.Latest());
                Console.WriteLine($"  parity               {report.Compared,12:N0} compared, {report.Mismatches.Count:N0} mismatches");
                foreach (var mismatch in report.Mismatches.Take(50))
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {mismatch.View} {mismatch.Entity} {mismatch.Field}: streaming {mismatch.Streaming ?? "(none)"}, backfill {mismatch.Backfill}"));
                if (report.Mismatches.Count > 0) exit = 1;
                if (result.GetValue(metricsFile) is { } file)
                    await File.WriteAllTextAsync(file, string.Create(CultureInfo.InvariantCulture, $$"""
                        # HELP streaming_offline_parity_compared (view, entity) values compared between streaming (Redis) and the backfill.
                        # TYPE streaming_offline_parity_compared gauge
                        streaming_offline_parity_compared{source="online"} {{report.Compared}}
                        # HELP streaming_offline_parity_mismatches Fields that differ between streaming (Redis) and the backfill.
                        # TYPE streaming_offline_parity_mismatches gauge
                        streaming_offline_parity_mismatches{source="online"} {{report.Mismatches.Count}}

                        """), cancellationToken);
            }
            await host.StopAsync(CancellationToken.None);
            return exit;
        });
        return command;
    }
}
