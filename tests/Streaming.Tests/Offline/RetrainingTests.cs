using Microsoft.Extensions.Logging.Abstractions;
using Streaming.Contracts;
using Streaming.Flights;
using Streaming.Host.Commands;
using Streaming.Learning;
using Streaming.Learning.Hashing;
using Streaming.Models.Store;
using Streaming.Offline.Backfill;
using Streaming.Offline.Retrain;
using Streaming.Serving;
using Streaming.Serving.Inference;
using Xunit.Abstractions;

namespace Streaming.Tests.Offline;

/// <summary>Batch retraining on a backfilled training set, against the online model on a later held-out range.</summary>
public sealed class RetrainingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_batch_fit_is_evaluated_beside_the_online_model_and_published_as_a_servable_candidate()
    {
        // The backfilled training set of the sample's first 30,000 flights (streaming features included).
        var examples = new List<TrainingExample>();
        var run = new BackfillRun(FlightFeatureViews.Set, TimeSpan.FromDays(3));
        var path = Path.Combine(Path.GetTempPath(), $"training-{Guid.NewGuid():N}.parquet");
        var store = new DirectoryModelStore(Directory.CreateTempSubdirectory("models-").FullName);
        try
        {
            await run.RunAsync(FlightsHistory.ReadAsync(DemoCommand.DefaultDataPath, 30_000), path, CancellationToken.None);
            examples.AddRange((await Parquet.Serialization.ParquetSerializer.DeserializeAsync<TrainingSetRow>(path)).Data
                .Select(r => System.Text.Json.JsonSerializer.Deserialize(r.example, ContractsJsonContext.Default.TrainingExample)!));
            var ordered = examples.OrderBy(e => e.Time).ToList();
            var holdoutFrom = ordered[(int)(ordered.Count * 0.8)].Time;

            // The online model: the learner's spec, learned progressively from the same examples before the held-out range.
            var spec = new LearnerSpec { Bits = 18, Optimizer = "ftrl", FtrlAlpha = 0.1, L1 = 0.5, L2 = 1.0, TargetThreshold = 15 };
            var online = new OnlineModel(spec);
            foreach (var example in ordered.Where(e => e.Time < holdoutFrom)) online.Process(example);
            await OnlineSnapshot.Of(online, "flights-delay", 1, DateTimeOffset.UtcNow, new Dictionary<int, long>()).SaveAsync(store, CancellationToken.None);

            var report = await Retraining.RunAsync(ordered, holdoutFrom, spec, "flights-delay", store, null, publish: true, CancellationToken.None);
            output.WriteLine($"held-out log loss over {report.HeldOut:N0} examples: batch L-BFGS {report.CandidateLoss:F4} ({report.Fit.Iterations} iterations, {report.Fit.Exit}), online v{report.OnlineVersion} {report.OnlineLoss:F4}");

            var heldOut = ordered.Where(e => e.Time >= holdoutFrom).ToList();
            var lateShare = heldOut.Count(e => e.Label > 15) / (double)heldOut.Count;
            var constant = -(lateShare * Math.Log(lateShare) + (1 - lateShare) * Math.Log(1 - lateShare)); // the best a constant can do
            Assert.Equal(ordered.Count - heldOut.Count, report.Fit.Examples);
            Assert.Equal(heldOut.Count, report.HeldOut);
            Assert.True(report.CandidateLoss < constant, $"batch model {report.CandidateLoss:F4} vs constant {constant:F4}");
            Assert.Equal(1, report.OnlineVersion);
            Assert.True(double.IsFinite(report.OnlineLoss!.Value));

            // Published as a candidate of its own name, and servable: its ONNX scores what the fit predicts.
            var candidate = report.Candidate!;
            Assert.True(candidate.Candidate);
            Assert.Equal("flights-delay-candidate", candidate.Model);
            Assert.Equal(1, await store.LatestVersionAsync("flights-delay", CancellationToken.None)); // the online model's latest is untouched
            var servable = (await store.LoadServableAsync(candidate.Model, candidate.Version, CancellationToken.None))!;
            using var scorer = new OnnxLinearScorer(servable.Onnx, new ExecutionDevice(new ServingOptions { Device = ExecutionDeviceChoice.Cpu }, NullLogger<ExecutionDevice>.Instance));
            var row = new SparseVector();
            report.Fit.Model.Hasher.Hash(heldOut[0].Features, row);
            var score = new double[1];
            scorer.Score([row], report.Fit.Model.Hasher.BiasSlot, score);
            Assert.Equal(report.Fit.Model.Predict(row), score[0], 6);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
