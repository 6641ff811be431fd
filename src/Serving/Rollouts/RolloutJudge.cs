using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Streaming.Contracts;
using Streaming.Platform.Kafka;
using Streaming.Platform.Threading;
using Streaming.Serving.Models;

namespace Streaming.Serving.Rollouts;

/// <summary>
/// Judges each rollout's challengers on delayed live labels: every training example is a label joined to the answer
/// logged for it (and any shadow scores), so each arm's loss is measured on what it really answered. An
/// <see cref="ArmComparison"/> per challenger decides; a decision is applied through the shared rollout (promote: the
/// challenger answers every request; roll back: none), published on <see cref="Topics.RolloutDecisions"/> and logged with
/// its figures. The group "rollout-judge" on the one-partition training-examples topic keeps one judge active across
/// nodes; its figures restart with it (and with every new rollout).
/// </summary>
public sealed class RolloutJudge(ServingOptions options, RolloutTable rollouts, ModelRegistry registry, ArmGuard guard, Status.DriftAlertBoard drift,
    KafkaClientConfigs kafka, ServingMetrics metrics, TimeProvider clock, ILogger<RolloutJudge> logger) : BackgroundService
{
    private readonly Dictionary<(string Model, string Challenger, DateTimeOffset? Since), ArmComparison> _comparisons = [];
    private readonly Dictionary<(string Model, string Arm, DateTimeOffset? Since), ArmFigures> _figures = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Model, string Challenger), ArmStanding> _standings = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<RolloutDecision> _decisions = new();

    /// <summary>Each challenger's comparison with its champion as last judged, with its loss history: for /status and the demo.</summary>
    public IReadOnlyList<ArmStanding> Standings => [.. _standings.Values.OrderBy(s => s.Model, StringComparer.Ordinal).ThenBy(s => s.Challenger, StringComparer.Ordinal)];

    /// <summary>The decisions this node's judge took, oldest first.</summary>
    public IReadOnlyList<RolloutDecision> Decisions => [.. _decisions];

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => BlockingLoop.Start(() =>
    {
        var config = kafka.Consumer("rollout-judge");
        config.AutoOffsetReset = AutoOffsetReset.Latest; // judged from when it starts: labels of answers given under the rollout
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(config).Build();
        using var producer = new ProducerBuilder<string?, byte[]>(kafka.Producer()).Build();
        consumer.Subscribe(Topics.TrainingExamples);
        var guardedAt = clock.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (clock.GetUtcNow() - guardedAt >= TimeSpan.FromSeconds(1))
                {
                    // Guard rails need no labels: checked every second, whether labels come or not.
                    guardedAt = clock.GetUtcNow();
                    Guard(producer);
                }
                if (consumer.Consume(TimeSpan.FromMilliseconds(500))?.Message?.Value is not { Length: > 0 } value) continue;
                if (!registry.Names.Any(model => rollouts.For(model) is not null)) continue; // nothing to judge: not even parsed
                if (JsonSerializer.Deserialize(value, ContractsJsonContext.Default.TrainingExample) is { } example) Judge(example, producer);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ConsumeException e)
            {
                logger.LogWarning("Reading {Topic} failed ({Reason}); rollouts are not judged meanwhile", Topics.TrainingExamples, e.Error.Reason);
            }
            catch (Exception e) when (UnreadableRecord.Is(e))
            {
                // The learner dead-letters it; there is no answer to judge in it.
            }
        }
        consumer.Close();
    }, stoppingToken);

    /// <summary>Adds one labelled answer to the comparisons it belongs to; applies a decision when one is reached (public for tests).</summary>
    public void Judge(TrainingExample example, IProducer<string?, byte[]> producer)
    {
        foreach (var model in registry.Names)
        {
            if (rollouts.For(model) is not { } rollout || registry.Peek(model) is not { } champion || example.Label is not { } label) continue;
            var outcome = champion.Spec.TargetThreshold is { } threshold ? (label > threshold ? 1.0 : 0.0) : label;
            double Loss(double score) => champion.IsClassification ? LogLoss(score, outcome) : (score - outcome) * (score - outcome);
            var calibratedChampion = false;
            void Calibrate(string arm, double score)
            {
                // The champion's answer enters every challenger's comparison; its own figures count it once.
                if (arm == model && calibratedChampion) return;
                calibratedChampion |= arm == model;
                Calibration(model, arm, rollout.Since).Add(score, outcome, champion.IsClassification, options.DecisionThreshold);
            }
            foreach (var arm in rollout.Challengers)
            {
                // An arm that answers everything (a promoted one) has no champion to be compared with.
                if (rollout.Mode != Rollout.Shadow && ArmAssignment.SharePercent(rollout, arm, clock.GetUtcNow()) >= 100) continue;
                var key = (model, arm.Model, rollout.Since);
                if (!_comparisons.TryGetValue(key, out var comparison))
                    _comparisons[key] = comparison = new ArmComparison(rollout.Mode == Rollout.Shadow, options.Judge.MinimumLabels, options.Judge.CheckEvery, options.Judge.Threshold);
                if (!Add(comparison, rollout, model, arm.Model, example, Loss, Calibrate)) continue;
                var judged = comparison.Judge();
                metrics.ArmLoss.WithLabels(model, model).Set(judged.ChampionLoss);
                metrics.ArmLoss.WithLabels(model, arm.Model).Set(judged.ChallengerLoss);
                if (double.IsFinite(judged.Z)) metrics.ArmZ.WithLabels(model, arm.Model).Set(judged.Z);
                Stand(model, arm.Model, rollout, judged, comparison.CheckEvery);
                if (judged.Verdict != RolloutVerdict.Undecided && options.Judge.Enabled)
                {
                    var promote = judged.Verdict == RolloutVerdict.Promote;
                    Decide(model, rollout, arm.Model, promote, judged, producer, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                        $"{arm.Model} {(promote ? "did better" : "did worse")} than {model} over {judged.Labels:N0} labels: mean loss {judged.ChallengerLoss:F4} against {judged.ChampionLoss:F4}, z = {judged.Z:F2} (decides at ±{options.Judge.Threshold})"));
                    return; // the rollout changed: later examples are judged under the new one
                }
            }
        }
    }

    private bool Add(ArmComparison comparison, Rollout rollout, string model, string challenger, TrainingExample example, Func<double, double> loss,
        Action<string, double> calibrate)
    {
        if (example.ServedScore is not { } served) return false;
        if (rollout.Mode == Rollout.Shadow)
        {
            if (example.ServedModel != model || example.Shadows?.FirstOrDefault(s => s.Model == challenger) is not { } shadow) return false;
            comparison.AddPair(loss(served), loss(shadow.Score));
            calibrate(model, served);
            calibrate(challenger, shadow.Score);
            return true;
        }
        if (example.ServedModel == model) comparison.AddChampion(loss(served));
        else if (example.ServedModel == challenger) comparison.AddChallenger(loss(served));
        else return false;
        calibrate(example.ServedModel, served);
        return true;
    }

    private ArmFigures Calibration(string model, string arm, DateTimeOffset? since)
    {
        if (!_figures.TryGetValue((model, arm, since), out var figures))
            _figures[(model, arm, since)] = figures = new ArmFigures(metrics, model, arm);
        return figures;
    }

    /// <summary>Keeps the challenger's standing for readers on other threads; a point of its loss history at every look.</summary>
    private void Stand(string model, string challenger, Rollout rollout, ArmJudgment judged, int checkEvery)
    {
        var before = _standings.TryGetValue((model, challenger), out var standing) && standing.Since == rollout.Since ? standing.History : [];
        var history = judged.Labels % checkEvery == 0 || before.Count == 0
            ? [.. before.TakeLast(ArmStanding.MaxHistory - 1), new ArmLossPoint(clock.GetUtcNow(), judged.Labels, judged.ChampionLoss, judged.ChallengerLoss)]
            : before;
        _standings[(model, challenger)] = new ArmStanding(model, challenger, rollout.Mode, rollout.Since, judged, history,
            _figures.GetValueOrDefault((model, model, rollout.Since))?.Auc ?? double.NaN, _figures.GetValueOrDefault((model, challenger, rollout.Since))?.Auc ?? double.NaN);
    }

    /// <summary>
    /// An arm's labelled answers since the rollout began: how many, accuracy (classifiers: decision = outcome), AUC
    /// (binned, the learner's progressive metrics), and calibration, the mean score beside the mean outcome (equal for a
    /// calibrated model).
    /// </summary>
    private sealed class ArmFigures(ServingMetrics metrics, string model, string arm)
    {
        private const int AucEvery = 100; // AUC sums 1,000 bins: not per label
        private long _count, _correct;
        private double _scores, _outcomes;
        private Learning.Validation.ProgressiveMetrics? _ranking;

        public double Auc { get; private set; } = double.NaN;

        public void Add(double score, double outcome, bool classification, double threshold)
        {
            _count++;
            _scores += score;
            _outcomes += outcome;
            if (classification && (score >= threshold) == (outcome >= 0.5)) _correct++;
            metrics.ArmLabels.WithLabels(model, arm).Inc();
            metrics.ArmMeanScore.WithLabels(model, arm).Set(_scores / _count);
            metrics.ArmMeanOutcome.WithLabels(model, arm).Set(_outcomes / _count);
            if (!classification) return;
            metrics.ArmAccuracy.WithLabels(model, arm).Set((double)_correct / _count);
            (_ranking ??= new Learning.Validation.ProgressiveMetrics(classification: true, window: 1)).Add(score, outcome, 0);
            if (_count % AucEvery != 0) return;
            Auc = _ranking.Snapshot().Auc;
            if (double.IsFinite(Auc)) metrics.ArmAuc.WithLabels(model, arm).Set(Auc);
        }
    }

    /// <summary>Rolls back every challenger past a guard rail on this node's answers (errors, latency), labels or not (public for tests).</summary>
    public void Guard(IProducer<string?, byte[]> producer)
    {
        if (!options.Judge.Enabled) return;
        foreach (var model in registry.Names)
        {
            if (rollouts.For(model) is not { } rollout) continue;
            foreach (var arm in rollout.Challengers)
            {
                if ((guard.Breach(model, arm.Model) ?? Drifting(model, arm.Model, rollout)) is not { } breach) continue;
                var judged = _standings.TryGetValue((model, arm.Model), out var standing) && standing.Since == rollout.Since
                    ? standing.Judged
                    : new ArmJudgment(RolloutVerdict.RollBack, 0, 0, double.NaN, double.NaN);
                Decide(model, rollout, arm.Model, promote: false, judged, producer, "guard rail: " + breach);
                break; // the rollout changed: its other challengers are checked under the new one
            }
        }
    }

    /// <summary>
    /// Drift and rollouts share one view of "this version is getting worse": a concept-drift alert on the challenger's
    /// served loss, opened since the rollout began while the champion's served loss has none (a change of the data that
    /// hurts both arms is no reason to prefer either), rolls the challenger back.
    /// </summary>
    private string? Drifting(string model, string challenger, Rollout rollout)
    {
        var open = drift.Open.Where(a => a.Kind == "concept_drift" && a.Subject == "served_loss").ToList();
        if (open.Any(a => a.Model == model)) return null;
        return open.FirstOrDefault(a => a.Model == challenger && a.Since >= (rollout.Since ?? DateTimeOffset.MinValue)) is { } alert
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"the served loss of {challenger} drifted up since {alert.Since:u} ({alert.Detector}: {alert.Value:F3} against {alert.Threshold:F3}, alert {alert.Key}) while {model}'s did not")
            : null;
    }

    private void Decide(string model, Rollout rollout, string challenger, bool promote, ArmJudgment judged, IProducer<string?, byte[]> producer, string reason)
    {
        // Promote: the challenger answers every request of the model; roll back: it answers none (the rest of the rollout stays).
        var next = promote
            ? new Rollout(Rollout.AB, [new RolloutArm(challenger, 100)], rollout.StickyKey)
            : rollout with { Challengers = [.. rollout.Challengers.Where(c => c.Model != challenger)], Since = null };
        if (next.Challengers.Count == 0) rollouts.ClearAsync(model, CancellationToken.None).GetAwaiter().GetResult();
        else rollouts.SetAsync(model, next, CancellationToken.None).GetAwaiter().GetResult();
        // JSON has no NaN: figures not measured yet are written as 0 (the reason says what decided).
        static double Finite(double x) => double.IsFinite(x) ? x : 0;
        var decision = new RolloutDecision(model, challenger, promote ? RolloutDecision.Promote : RolloutDecision.RollBack, rollout.Mode, Finite(judged.Z), judged.Labels,
            Finite(judged.ChampionLoss), Finite(judged.ChallengerLoss), clock.GetUtcNow(), reason);
        producer.Produce(Topics.RolloutDecisions, new Message<string?, byte[]>
        {
            Key = model,
            Value = JsonSerializer.SerializeToUtf8Bytes(decision, ContractsJsonContext.Default.RolloutDecision),
        }, report =>
        {
            if (report.Error.IsError) logger.LogError("Could not publish the decision on {Model} ({Reason}); it was applied", model, report.Error.Reason);
        });
        metrics.RolloutDecisions.WithLabels(model, decision.Decision).Inc();
        _decisions.Enqueue(decision);
        logger.LogWarning("Rollout of {Model}: {Decision} {Challenger}. {Reason}", model, promote ? "promoted" : "rolled back", challenger, reason);
    }

    private static double LogLoss(double score, double outcome)
    {
        var p = Math.Clamp(score, 1e-12, 1 - 1e-12);
        return outcome >= 0.5 ? -Math.Log(p) : -Math.Log(1 - p);
    }
}

/// <summary>A challenger against its champion as last judged, and its loss history (a point per look, the newest <see cref="MaxHistory"/>).</summary>
public sealed record ArmStanding(string Model, string Challenger, string Mode, DateTimeOffset? Since, ArmJudgment Judged, IReadOnlyList<ArmLossPoint> History,
    double ChampionAuc, double ChallengerAuc)
{
    public const int MaxHistory = 200;
}

/// <summary>Both arms' mean losses since the rollout began, when <paramref name="Labels"/> labels had been judged.</summary>
public sealed record ArmLossPoint(DateTimeOffset Time, long Labels, double ChampionLoss, double ChallengerLoss);
