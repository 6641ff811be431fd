using System.Globalization;
using Streaming.Contracts;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Online;
using Streaming.FeatureStore.Training;
using Streaming.Learning.Hashing;
using Streaming.Serving.Models;
using Streaming.Serving.Rollouts;
using Streaming.Serving.Status;

namespace Streaming.Serving.Prediction;

/// <summary>Why a prediction request was not answered with predictions.</summary>
public sealed record PredictionRejection(int Status, string Reason, string Detail);

/// <summary>
/// A prediction from entity keys to score: online features for every request in one Redis round trip, the
/// model input composed exactly as the label join composes training examples (<see cref="ExampleFeatures"/>),
/// hashed with the version's own spec and scored in ONNX Runtime; each prediction is logged for the label join.
/// The version is leased for the whole request, so a swap never changes it midway.
/// </summary>
public sealed class Predictor(
    ModelRegistry registry,
    GuardedFeatureReads reader,
    FeatureSet featureSet,
    PredictionLogPublisher log,
    DataDriftWatcher drift,
    FeatureFreshness freshness,
    Throughput throughput,
    ServingOptions options,
    ServingMetrics metrics,
    RolloutTable rollouts,
    ArmGuard guard,
    TimeProvider clock)
{
    /// <summary>Null when every request is well formed, else the first problem.</summary>
    public PredictionRejection? Validate(string model, IReadOnlyList<PredictionRequest?>? requests)
    {
        if (!registry.IsServed(model))
            return new(404, "unknown_model", $"This node does not serve a model named '{model}'; GET /v1/models lists those it serves.");
        if (requests is null || requests.Count == 0)
            return new(400, "empty_batch", "Send at least one request.");
        if (requests.Count > options.MaxBatch)
            return new(400, "too_many_entities", $"{requests.Count} requests in one batch; at most {options.MaxBatch} (Serving:MaxBatch).");
        for (var i = 0; i < requests.Count; i++)
        {
            var where = requests.Count == 1 ? "" : $"Request {i}: ";
            var request = requests[i];
            if (request?.Keys is not { Count: > 0 } keys)
                return new(400, "missing_keys", where + "\"keys\" must name at least one entity, e.g. {\"keys\": {\"origin\": \"SFO\"}}.");
            if (keys.Count > options.MaxFields || request.Fields?.Count > options.MaxFields)
                return new(400, "too_many_fields", where + $"at most {options.MaxFields} keys and {options.MaxFields} fields (Serving:MaxFields).");
            foreach (var (kind, id) in keys)
            {
                if (string.IsNullOrWhiteSpace(kind) || string.IsNullOrWhiteSpace(id))
                    return new(400, "empty_key", where + "entity kinds and ids must not be empty.");
                if (kind.Length > options.MaxTextLength || id.Length > options.MaxTextLength)
                    return new(400, "text_too_long", where + $"entity kinds and ids are at most {options.MaxTextLength} characters (Serving:MaxTextLength).");
            }
            foreach (var (name, value) in request.Fields ?? new Dictionary<string, FieldValue>())
            {
                if (name.Length > options.MaxTextLength || value.Text?.Length > options.MaxTextLength)
                    return new(400, "text_too_long", where + $"field {Shorten(name)}: names and text values are at most {options.MaxTextLength} characters (Serving:MaxTextLength).");
                if (value.Kind == FieldKind.Number && !double.IsFinite(value.Number))
                    return new(400, "non_finite_field", where + $"field {Shorten(name)} is {value.Number}; numbers must be finite.");
            }
        }
        return null;
    }

    /// <summary>
    /// Predictions for validated requests, in order; null when no version is loaded yet. Under a rollout each request is
    /// answered by its arm (an arm with no version loaded yet, or failing, leaves it to the champion), or scored by the
    /// shadows too; each arm's answer times and failures feed the guard rails.
    /// </summary>
    public async Task<IReadOnlyList<PredictionResponse>?> PredictAsync(string model, IReadOnlyList<PredictionRequest> requests)
    {
        if (rollouts.For(model) is not { } rollout) return await PredictOnAsync(model, requests, []);
        if (rollout.Mode == Rollout.Shadow) return await ArmAsync(model, model, requests, [.. rollout.Challengers.Select(c => c.Model)]);
        var arms = requests.Select(r => rollouts.ArmOf(model, rollout, r.Keys!)).ToArray();
        if (arms.All(a => a == arms[0])) return await ArmAsync(model, arms[0], requests, []);
        var responses = new PredictionResponse[requests.Count];
        foreach (var group in Enumerable.Range(0, requests.Count).GroupBy(i => arms[i]))
        {
            var answered = await ArmAsync(model, group.Key, [.. group.Select(i => requests[i])], []);
            if (answered is null) return null;
            foreach (var (index, response) in group.Zip(answered)) responses[index] = response;
        }
        return responses;
    }

    /// <summary>One arm's answers, timed for the guard rails; a challenger not loaded yet or failing leaves them to the champion.</summary>
    private async Task<IReadOnlyList<PredictionResponse>?> ArmAsync(string model, string arm, IReadOnlyList<PredictionRequest> requests, IReadOnlyList<string> shadows)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            var answered = await PredictOnAsync(arm, requests, shadows);
            if (answered is not null) guard.Record(model, arm, System.Diagnostics.Stopwatch.GetElapsedTime(started), failed: false);
            if (answered is not null || arm == model) return answered;
        }
        catch (Exception) when (arm != model)
        {
            // Counted, and rolled back by the judge once past the guard rail; this request costs only the retry.
            guard.Record(model, arm, System.Diagnostics.Stopwatch.GetElapsedTime(started), failed: true);
        }
        return await ArmAsync(model, model, requests, shadows);
    }

    private async Task<IReadOnlyList<PredictionResponse>?> PredictOnAsync(string model, IReadOnlyList<PredictionRequest> requests, IReadOnlyList<string> shadows)
    {
        if (registry.Acquire(model) is not { } lease) return null;
        using (lease)
        {
            var served = lease.Model;
            var now = clock.GetUtcNow();
            var queries = new FeatureQuery[requests.Count];
            for (var i = 0; i < requests.Count; i++) queries[i] = new FeatureQuery(requests[i].Keys!, requests[i].Time ?? now);
            var snapshots = await reader.ReadAsync(queries, options.ClockSkewTolerance);

            // From here on synchronous: the hasher and the scorer's buffers belong to this thread.
            var inputs = new Dictionary<string, IReadOnlyDictionary<string, FieldValue>>[requests.Count];
            var rows = new SparseVector[requests.Count];
            var ids = new string[requests.Count];
            var hasher = served.Hasher;
            for (var i = 0; i < requests.Count; i++)
            {
                ids[i] = Guid.CreateVersion7().ToString("N");
                var asEvent = new EntityEvent(ids[i], featureSet.PredictedEventType, queries[i].AsOf, requests[i].Keys!, requests[i].Fields);
                inputs[i] = ExampleFeatures.Compose(asEvent, snapshots[i]);
                hasher.Hash(inputs[i], rows[i] = new SparseVector());
            }
            var scores = new double[requests.Count];
            served.Scorer.Score(rows, hasher.BiasSlot, scores);
            var shadowScores = shadows.Count == 0 ? null : ScoreShadows(model, shadows, inputs);

            var responses = new PredictionResponse[requests.Count];
            var version = served.Version.ToString(CultureInfo.InvariantCulture);
            for (var i = 0; i < requests.Count; i++)
            {
                var used = new Dictionary<string, FeatureUse>(snapshots[i].Count);
                var defaulted = new List<string>();
                foreach (var view in snapshots[i])
                {
                    used[view.View] = new FeatureUse(view.Status, view.AgeMs, view.Values);
                    freshness.Record(view);
                    if (!view.IsDefault) continue;
                    defaulted.Add(view.View);
                    metrics.FeatureDefaults.WithLabels(view.View, view.Status).Inc();
                }
                bool? decision = served.IsClassification ? scores[i] >= options.DecisionThreshold : null;
                responses[i] = new PredictionResponse(ids[i], model, served.Version, scores[i], decision, queries[i].AsOf, used, defaulted,
                    served.IsColdStart ? true : null);
                log.Offer(new PredictionLog(ids[i], model, version, queries[i].AsOf, requests[i].Keys!, inputs[i], scores[i], shadowScores?[i]));
                drift.Record(model, served, inputs[i], scores[i]);
            }
            metrics.Predictions.WithLabels(model).Inc(requests.Count);
            if (served.IsColdStart) metrics.ColdStartPredictions.WithLabels(model).Inc(requests.Count);
            metrics.RowsPerCall.Observe(requests.Count);
            throughput.Add(requests.Count);
            return responses;
        }
    }

    /// <summary>
    /// What each shadow challenger scores for the same model inputs, per row: hashed with its own spec and scored, on
    /// this thread, so a shadow costs the answer one hashing and one model call each, and never changes it.
    /// </summary>
    private List<ShadowScore>[] ScoreShadows(string model, IReadOnlyList<string> shadows, IReadOnlyDictionary<string, IReadOnlyDictionary<string, FieldValue>>[] inputs)
    {
        var perRow = new List<ShadowScore>[inputs.Length];
        for (var i = 0; i < perRow.Length; i++) perRow[i] = new List<ShadowScore>(shadows.Count);
        foreach (var shadow in shadows)
        {
            if (registry.Acquire(shadow) is not { } lease) continue; // not loaded yet: nothing to compare
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            using (lease)
            {
                try
                {
                    var challenger = lease.Model;
                    var rows = new SparseVector[inputs.Length];
                    for (var i = 0; i < rows.Length; i++) challenger.Hasher.Hash(inputs[i], rows[i] = new SparseVector());
                    var scores = new double[rows.Length];
                    challenger.Scorer.Score(rows, challenger.Hasher.BiasSlot, scores);
                    var version = challenger.Version.ToString(CultureInfo.InvariantCulture);
                    for (var i = 0; i < rows.Length; i++) perRow[i].Add(new ShadowScore(shadow, version, scores[i]));
                    metrics.ShadowScored.WithLabels(model, shadow).Inc(rows.Length);
                    guard.Record(model, shadow, System.Diagnostics.Stopwatch.GetElapsedTime(started), failed: false);
                }
                catch (Exception)
                {
                    // A failing shadow never costs the answer: it is counted and, past the guard rail, rolled back.
                    guard.Record(model, shadow, System.Diagnostics.Stopwatch.GetElapsedTime(started), failed: true);
                }
            }
        }
        return perRow;
    }

    /// <summary>A client's name in an error message, cut so the message stays small.</summary>
    private static string Shorten(string name) => name.Length <= 64 ? $"'{name}'" : $"'{name[..64]}…'";
}
