using System.CommandLine;
using StackExchange.Redis;
using Streaming.FeatureStore.Streams;
using Streaming.Flights;
using Streaming.Host.Cli;
using Streaming.Host.Web;
using Streaming.Offline.Backfill;
using Streaming.Offline.Lake;
using Streaming.Platform.Kafka;
using Streaming.Platform.Redis;

namespace Streaming.Host.Commands;

/// <summary>
/// `backfill`: the feature views recomputed from history (the Parquet lake, or a flights file) with the streaming
/// definitions; a point-in-time training set to Parquet; optionally the latest values into Redis (--materialize) and a
/// parity report against what streaming left there (--parity).
/// </summary>
internal static class BackfillCommand
{
    private static void Report(string what, ParityResult report)
    {
        Console.WriteLine($"  parity, {what,-18} {report.Compared,10:N0} compared, {report.Mismatches.Count:N0} mismatches");
        foreach (var (field, count) in report.Mismatches.GroupBy(m => m.Field).Select(g => (g.Key, g.Count())).OrderByDescending(g => g.Item2).Take(10))
            Console.WriteLine($"    {field}: {count:N0}");
        foreach (var mismatch in report.Mismatches.Take(20))
            Console.WriteLine($"    {mismatch.View} {mismatch.Entity} {mismatch.Field}: streaming {mismatch.Streaming ?? "(none)"}, backfill {mismatch.Backfill ?? "(none)"}");
    }

    private static void Report(ExampleSkewResult skew)
    {
        Console.WriteLine($"  parity, training examples {skew.Compared,10:N0} compared (streamed as served vs backfilled point in time)");
        foreach (var view in skew.Views)
            Console.WriteLine($"    {view.View,-26} {view.ShareEqual,8:P1} equal, mean |difference| {view.MeanAbsoluteDifference:G4}");
    }

    private static void Print(BackfillOutcome outcome, string source, BackfillRequest request)
    {
        var run = outcome.Run;
        Console.WriteLine($"Backfill of {source}{(run.Resumed ? " (resumed from its checkpoint)" : "")}");
        Console.WriteLine($"  records              {run.Features.Records,12:N0}  ({run.Features.Records / Math.Max(outcome.Elapsed.TotalSeconds, 1e-3):N0}/s)");
        Console.WriteLine($"  training examples    {run.Examples,12:N0}{(request.TrainingSet is { } o ? $"  → {Path.GetFullPath(o)}" : "")}");
        Console.WriteLine($"  unmatched labels     {run.UnmatchedLabels,12:N0}");
        Console.WriteLine($"  online values        {run.Features.Latest().LongCount(),12:N0}");
        if (outcome.Materialized is { } written) Console.WriteLine($"  materialized         {written,12:N0} hashes into Redis");
        if (outcome.Online is { } online) Report("online store", online);
        if (outcome.Examples is { } examples) Report(examples);
    }

    public static Command Create()
    {
        var lake = new Option<string?>("--lake") { Description = "Lake folder to read (default Lake:Directory)." };
        var data = new Option<string?>("--data") { Description = "Read a flights Parquet file instead of the lake." };
        var limit = CommonOptions.Limit();
        var from = new Option<DateTime?>("--from") { Description = "First event time included (UTC; default: the beginning)." };
        var to = new Option<DateTime?>("--to") { Description = "First event time excluded (UTC; default: the end)." };
        var output = new Option<string?>("--out")
        {
            Description = "Write the point-in-time training set here (Parquet). The run checkpoints beside it and, started again after an interruption, resumes.",
        };
        var materialize = new Option<bool>("--materialize") { Description = "Write every entity's latest values into the Redis online store." };
        var parity = new Option<bool>("--parity")
        {
            Description = "Compare with what streaming produced and list every mismatch: the latest values with Redis and, with --out, the training examples with the training-examples topic.",
        };
        var metricsFile = new Option<string?>("--metrics-file")
        {
            Description = "Write the parity figures as Prometheus text here (for node_exporter's textfile collector: a batch job has no /metrics).",
        };
        var command = new Command("backfill", "Recompute the feature views from history with the streaming definitions; training set, materialization, parity.")
        {
            lake, data, limit, from, to, output, materialize, parity, metricsFile,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            if (result.GetValue(data) is { } file && !File.Exists(file))
            {
                Console.Error.WriteLine($"No flights file at {Path.GetFullPath(file)}: pass --data with a flights Parquet file, or --lake with a lake folder.");
                return 2;
            }
            var request = new BackfillRequest(result.GetValue(output), result.GetValue(materialize), result.GetValue(parity), result.GetValue(metricsFile));
            var builder = result.CreateHostBuilder();
            if (request.NeedsOnlineStore) StreamingWebApp.AddServices(builder.Services, builder.Configuration);
            var features = builder.Configuration.GetSection(FeatureStoreOptions.Section).Get<FeatureStoreOptions>() ?? new FeatureStoreOptions();
            using var host = builder.Build();
            if (request.NeedsOnlineStore)
            {
                await host.StartAsync(cancellationToken);
                if (host.Services.GetRequiredService<RedisOptions>().IsEmbedded)
                    Console.Error.WriteLine("No Redis:Configuration given: --materialize/--parity use a private embedded Redis that ends with this command.");
            }

            var path = result.GetValue(data);
            var lakeFolder = result.GetValue(lake) ?? builder.Configuration["Lake:Directory"] ?? "lake";
            DateTime start = result.GetValue(from) ?? DateTime.MinValue, end = result.GetValue(to) ?? DateTime.MaxValue;
            var history = path is not null
                ? FlightsHistory.ReadAsync(path, result.GetValue(limit), cancellationToken).Where(r => r.Time >= start && r.Time < end)
                : HistorySource.FromLakeAsync(new LakeStore(lakeFolder), start, end, cancellationToken);
            // Redis and Kafka are registered only when the request needs the online store.
            var job = new BackfillJob(FlightFeatureViews.Set, features.JoinHorizon,
                host.Services.GetService<IConnectionMultiplexer>(), host.Services.GetService<KafkaClientConfigs>());
            BackfillOutcome outcome;
            await using (new ConsoleProgress("backfill", () => (job.Run.Features.Records, null, $"records | {job.Run.Examples:N0} examples | {job.Run.Watermark:u}")))
                outcome = await job.RunAsync(history, request, cancellationToken);
            Print(outcome, path ?? Path.GetFullPath(lakeFolder), request);
            if (request.NeedsOnlineStore) await host.StopAsync(CancellationToken.None);
            return outcome.ParityHolds ? 0 : 1;
        });
        return command;
    }
}
