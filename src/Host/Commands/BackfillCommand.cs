using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Parquet.Serialization;
using StackExchange.Redis;
using Streaming.Contracts;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Streams;
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
public static class BackfillCommand
{
    private static void Report(string what, ParityResult report)
    {
        Console.WriteLine($"  parity, {what,-18} {report.Compared,10:N0} compared, {report.Mismatches.Count:N0} mismatches");
        foreach (var (field, count) in report.Mismatches.GroupBy(m => m.Field).Select(g => (g.Key, g.Count())).OrderByDescending(g => g.Item2).Take(10))
            Console.WriteLine($"    {field}: {count:N0}");
        foreach (var mismatch in report.Mismatches.Take(20))
            Console.WriteLine($"    {mismatch.View} {mismatch.Entity} {mismatch.Field}: streaming {mismatch.Streaming ?? "(none)"}, backfill {mismatch.Backfill ?? "(none)"}");
    }

    /// <summary>The streamed training examples still on the topic (one partition), read to its end.</summary>
    private static List<TrainingExample> ReadTrainingExamples(KafkaClientConfigs kafka)
    {
        using var consumer = kafka.ReadFromBeginning(Topics.TrainingExamples, "parity");
        var examples = new List<TrainingExample>();
        while (consumer.Consume(TimeSpan.FromSeconds(2)) is { } record)
        {
            try
            {
                if (record.Message.Value is { Length: > 0 } value && JsonSerializer.Deserialize(value, ContractsJsonContext.Default.TrainingExample) is { } example)
                    examples.Add(example);
            }
            catch (Exception e) when (UnreadableRecord.Is(e))
            {
                // The learner dead-letters it; parity compares the examples it could learn from.
            }
        }
        consumer.Close();
        return examples;
    }

    private static void Report(ExampleSkewResult skew)
    {
        Console.WriteLine($"  parity, training examples {skew.Compared,10:N0} compared (streamed as served vs backfilled point in time)");
        foreach (var view in skew.Views)
            Console.WriteLine($"    {view.View,-26} {view.ShareEqual,8:P1} equal, mean |difference| {view.MeanAbsoluteDifference:G4}");
    }

    /// <summary>Parity figures as Prometheus text, for node_exporter's textfile collector: a batch job has no /metrics.</summary>
    private static string ParityMetrics(ParityResult online, ExampleSkewResult? examples)
    {
        var text = new System.Text.StringBuilder()
            .AppendLine("# HELP streaming_offline_parity_compared Online values compared between streaming and the backfill.")
            .AppendLine("# TYPE streaming_offline_parity_compared gauge")
            .Append(CultureInfo.InvariantCulture, $"streaming_offline_parity_compared{{source=\"online\"}} {online.Compared}\n")
            .AppendLine("# HELP streaming_offline_parity_mismatches Online fields that differ between streaming and the backfill.")
            .AppendLine("# TYPE streaming_offline_parity_mismatches gauge")
            .Append(CultureInfo.InvariantCulture, $"streaming_offline_parity_mismatches{{source=\"online\"}} {online.Mismatches.Count}\n");
        if (examples is null) return text.ToString();
        text.AppendLine("# HELP streaming_offline_example_share_equal Share of examples whose namespace's features are equal, streamed against backfilled.")
            .AppendLine("# TYPE streaming_offline_example_share_equal gauge");
        foreach (var view in examples.Views) text.Append(CultureInfo.InvariantCulture, $"streaming_offline_example_share_equal{{view=\"{view.View}\"}} {view.ShareEqual}\n");
        text.AppendLine("# HELP streaming_offline_example_mean_abs_difference Mean absolute difference of a namespace's numeric features, streamed against backfilled.")
            .AppendLine("# TYPE streaming_offline_example_mean_abs_difference gauge");
        foreach (var view in examples.Views) text.Append(CultureInfo.InvariantCulture, $"streaming_offline_example_mean_abs_difference{{view=\"{view.View}\"}} {view.MeanAbsoluteDifference}\n");
        return text.ToString();
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
            Console.WriteLine($"Backfill of {path ?? Path.GetFullPath(lakeFolder)}{(run.Resumed ? " (resumed from its checkpoint)" : "")}");
            Console.WriteLine($"  records              {run.Features.Records,12:N0}  ({run.Features.Records / Math.Max(seconds, 1e-3):N0}/s)");
            Console.WriteLine($"  training examples    {run.Examples,12:N0}{(result.GetValue(output) is { } o ? $"  → {Path.GetFullPath(o)}" : "")}");
            Console.WriteLine($"  unmatched labels     {run.UnmatchedLabels,12:N0}");
            Console.WriteLine($"  online values        {run.Features.Latest().LongCount(),12:N0}");
            if (!needsRedis) return 0;

            var redis = host.Services.GetRequiredService<IConnectionMultiplexer>();
            var exit = 0;
            if (result.GetValue(materialize))
            {
                var written = await run.Features.MaterializeToAsync(redis);
                Console.WriteLine($"  materialized         {written,12:N0} hashes into Redis");
            }
            if (result.GetValue(parity))
            {
                var online = await ParityReport.CompareOnlineAsync(redis, run.Features.Latest());
                Report("online store", online);
                ExampleSkewResult? examples = null;
                if (result.GetValue(output) is { } trainingSet)
                {
                    var streamed = ReadTrainingExamples(host.Services.GetRequiredService<KafkaClientConfigs>());
                    var backfilled = (await ParquetSerializer.DeserializeAsync<TrainingSetRow>(trainingSet, cancellationToken: cancellationToken)).Data
                        .Select(r => JsonSerializer.Deserialize(r.example, ContractsJsonContext.Default.TrainingExample)!);
                    examples = ParityReport.CompareExamples(streamed, backfilled);
                    Report(examples);
                }
                // The online store must equal the backfill; examples differ by what serving saw, which is measured, not failed on.
                if (online.Mismatches.Count > 0) exit = 1;
                if (result.GetValue(metricsFile) is { } file)
                    await File.WriteAllTextAsync(file, ParityMetrics(online, examples), cancellationToken);
            }
            await host.StopAsync(CancellationToken.None);
            return exit;
        });
        return command;
    }
}
