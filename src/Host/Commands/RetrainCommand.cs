using System.CommandLine;
using System.Text.Json;
using Confluent.Kafka;
using Parquet.Serialization;
using Streaming.Contracts;
using Streaming.Host.Web;
using Streaming.Models.Store;
using Streaming.Offline.Backfill;
using Streaming.Offline.Retrain;
using Streaming.OnlineLearner;
using Streaming.Platform.Kafka;

namespace Streaming.Host.Commands;

/// <summary>`retrain`: batch-fit the online model's family on a backfilled training set, compare it with the online model on a later range, publish a candidate.</summary>
internal static class RetrainCommand
{
    public static Command Create()
    {
        var trainingSet = new Argument<string>("training-set") { Description = "A training set written by `backfill --out`." };
        var holdoutFrom = new Option<DateTime?>("--holdout-from") { Description = "Hold out examples from this time on (UTC; default: the last fifth of the time range)." };
        var publish = new Option<bool>("--publish") { Description = "Save the fit as a candidate snapshot ({model}-candidate) and announce it." };
        var command = new Command("retrain", "Fit the model in batch (L-BFGS) on a backfilled training set; held-out loss beside the online model's; optionally publish a candidate.")
        {
            trainingSet, holdoutFrom, publish,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var builder = result.CreateHostBuilder();
            StreamingWebApp.AddServices(builder.Services, builder.Configuration);
            builder.Services.AddModelStore(builder.Configuration);
            var learner = builder.Configuration.GetSection(LearnerOptions.Section).Get<LearnerOptions>() ?? new LearnerOptions();
            using var host = builder.Build();
            await host.StartAsync(cancellationToken);

            var examples = (await ParquetSerializer.DeserializeAsync<TrainingSetRow>(result.GetValue(trainingSet)!, cancellationToken: cancellationToken)).Data
                .Select(r => JsonSerializer.Deserialize(r.example, ContractsJsonContext.Default.TrainingExample)!).OrderBy(e => e.Time).ToList();
            if (examples.Count == 0)
            {
                Console.Error.WriteLine("The training set is empty.");
                return 1;
            }
            DateTimeOffset split = result.GetValue(holdoutFrom) is { } from ? new DateTimeOffset(from, TimeSpan.Zero)
                : examples[0].Time + (examples[^1].Time - examples[0].Time) * 0.8;
            using var announcer = new ProducerBuilder<string?, byte[]>(host.Services.GetRequiredService<KafkaClientConfigs>().Producer()).Build();
            Console.Error.WriteLine($"Fitting {learner.Model} on {examples.Count(e => e.Time < split):N0} examples before {split:u} (L-BFGS)...");
            var report = await Retraining.RunAsync(examples, split, learner.Spec, learner.Model, host.Services.GetRequiredService<IModelStore>(),
                announcer, result.GetValue(publish), cancellationToken);
            announcer.Flush(TimeSpan.FromSeconds(10));
            Console.WriteLine($"Batch retraining of {learner.Model}: {report.Fit.Examples:N0} examples, {report.Fit.Iterations} L-BFGS iterations ({report.Fit.Exit}), training loss {report.Fit.TrainingLoss:F4}");
            Console.WriteLine($"  held-out loss over {report.HeldOut:N0} examples from {split:u}:");
            Console.WriteLine($"    batch fit            {report.CandidateLoss:F4}");
            Console.WriteLine(report.OnlineVersion is { } v ? $"    online model v{v,-6}   {report.OnlineLoss:F4}" : "    online model         (none in the model store)");
            if (report.Candidate is { } candidate)
                Console.WriteLine($"  published candidate {candidate.Model} v{candidate.Version}; serve it beside the online model with --Serving:Models:1={candidate.Model}");
            await host.StopAsync(CancellationToken.None);
            return 0;
        });
        return command;
    }
}
