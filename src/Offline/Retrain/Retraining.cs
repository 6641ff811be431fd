using System.Text.Json;
using Confluent.Kafka;
using Streaming.Contracts;
using Streaming.Learning;
using Streaming.Models.Onnx;
using Streaming.Models.Store;

namespace Streaming.Offline.Retrain;

/// <summary>What a batch retraining found: the fit, and both models' loss on the same later, held-out time range.</summary>
public sealed record RetrainReport(BatchFit Fit, int HeldOut, double CandidateLoss, long? OnlineVersion, double? OnlineLoss, SnapshotManifest? Candidate);

/// <summary>
/// Batch retraining: fit the online model's family on a backfilled training set up to a time, evaluate it and the
/// current online model on what comes after, and (optionally) publish the fit as a candidate snapshot: the same
/// manifest format, <c>Candidate = true</c>, under the model name <c>{model}-candidate</c> so that it never becomes
/// the online model's "latest" (the learner would refuse to resume from it), and serving can route canary traffic
/// to it as a model of its own (add it to Serving:Models).
/// </summary>
public static class Retraining
{
    public static string CandidateName(string model) => model + "-candidate";

    public static async Task<RetrainReport> RunAsync(IReadOnlyList<TrainingExample> examples, DateTimeOffset holdoutFrom, LearnerSpec spec, string model,
        IModelStore store, IProducer<string?, byte[]>? announcer, bool publish, CancellationToken cancellationToken)
    {
        var training = examples.Where(e => e.Time < holdoutFrom).ToList();
        var heldOut = examples.Where(e => e.Time >= holdoutFrom).ToList();
        var fit = BatchTrainer.Fit(spec, training);
        var candidateLoss = fit.Model.MeanLoss(heldOut);

        long? onlineVersion = null;
        double? onlineLoss = null;
        if (await store.LatestAsync(model, cancellationToken) is { } online)
        {
            var onlineSpec = online.Manifest.Spec.Deserialize(LearningJsonContext.Default.LearnerSpec)!;
            var onlineModel = new OnlineModel(onlineSpec);
            onlineModel.LoadState(online.Payload);
            onlineVersion = online.Manifest.Version;
            onlineLoss = onlineModel.Learner.MeanLoss(heldOut);
        }

        SnapshotManifest? candidate = null;
        if (publish)
        {
            var name = CandidateName(model);
            var version = (await store.LatestVersionAsync(name, cancellationToken) ?? 0) + 1;
            var payload = ModelState.Save(fit.Model, new Learning.Validation.ProgressiveMetrics(fit.Model.Loss.IsClassification, 1));
            candidate = new SnapshotManifest(name, version, onlineVersion, DateTimeOffset.UtcNow, $"{spec.Loss}/lbfgs",
                JsonSerializer.SerializeToElement(fit.Model.Spec, LearningJsonContext.Default.LearnerSpec), fit.Model.Hasher.SpecHash(),
                new Dictionary<int, long>(), training.Count == 0 ? null : training.Max(e => e.Time),
                new ModelMetrics(fit.Examples, fit.TrainingLoss, double.NaN, double.NaN, double.NaN, double.NaN,
                    heldOut.Count, candidateLoss, double.NaN, double.NaN, double.NaN, double.NaN),
                payload.Length, Candidate: true, StoreEpoch: await store.EpochAsync(cancellationToken));
            await store.SaveAsync(candidate, payload, LinearModelOnnx.Export(fit.Model, name, version), cancellationToken);
            if (announcer is not null)
                await announcer.ProduceAsync(Topics.ModelSnapshots, SnapshotAnnouncement.For(candidate), cancellationToken);
        }
        return new RetrainReport(fit, heldOut.Count, candidateLoss, onlineVersion, onlineLoss, candidate);
    }
}
