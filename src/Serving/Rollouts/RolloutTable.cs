using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Streaming.Contracts;
using Streaming.Serving.Models;
using Streaming.Serving.Prediction;

namespace Streaming.Serving.Rollouts;

/// <summary>
/// The rollouts this node applies: read from the shared <see cref="RolloutStore"/> every
/// <see cref="ServingOptions.PinPollInterval"/> (and at once when set through this node), so every node routes alike.
/// While Redis is away the last rollout read stays in force.
/// </summary>
public sealed class RolloutTable(RolloutStore store, ModelRegistry registry, ServingOptions options, ServingMetrics metrics, ArmGuard guard, TimeProvider clock,
    ILogger<RolloutTable> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, Rollout> _rollouts = new(StringComparer.Ordinal);

    public Rollout? For(string model) => _rollouts.TryGetValue(model, out var rollout) ? rollout : null;

    /// <summary>The model that answers a request for <paramref name="model"/>: a challenger, or the model itself.</summary>
    public string ArmOf(string model, Rollout rollout, IReadOnlyDictionary<string, string> keys)
    {
        if (rollout.Mode == Rollout.Shadow) return model;
        var arm = ArmAssignment.ChallengerFor(rollout, ArmAssignment.Bucket(ArmAssignment.StickyText(rollout, keys)), clock.GetUtcNow()) ?? model;
        metrics.RolloutRouted.WithLabels(model, arm).Inc();
        return arm;
    }

    /// <summary>Null when the rollout can be applied to <paramref name="model"/> on this node, else why not.</summary>
    public PredictionRejection? Validate(string model, Rollout? rollout)
    {
        if (rollout?.Challengers is not { Count: > 0 } challengers)
            return new(400, "no_challengers", "Name at least one challenger: {\"mode\": \"ab\", \"challengers\": [{\"model\": \"…\", \"percent\": 10}]}.");
        if (rollout.Mode is not (Rollout.AB or Rollout.Canary or Rollout.Shadow))
            return new(400, "unknown_mode", $"Mode '{rollout.Mode}': use {Rollout.AB}, {Rollout.Canary} or {Rollout.Shadow}.");
        foreach (var arm in challengers)
        {
            if (arm.Model == model || !registry.IsServed(arm.Model))
                return new(400, "unknown_challenger", $"Challenger '{arm.Model}' is not another model this node serves (Serving:Models).");
            if (arm.Percent is < 0 or > 100 || !double.IsFinite(arm.Percent))
                return new(400, "invalid_percent", $"Challenger '{arm.Model}': percent {arm.Percent} is not within 0–100.");
        }
        if (challengers.Select(c => c.Model).Distinct(StringComparer.Ordinal).Count() != challengers.Count)
            return new(400, "duplicate_challenger", "A challenger is named twice.");
        if (rollout.Mode == Rollout.AB && challengers.Sum(c => c.Percent) > 100)
            return new(400, "invalid_percent", "The challengers' percentages add up to more than 100.");
        if (rollout.Mode == Rollout.Canary)
        {
            if (challengers.Count != 1) return new(400, "canary_one_challenger", "A canary has exactly one challenger.");
            if (rollout.Steps is not { Count: > 0 } steps || steps.Any(s => s is < 0 or > 100 || !double.IsFinite(s)) || steps.Zip(steps.Skip(1)).Any(p => p.Second < p.First))
                return new(400, "invalid_steps", "A canary's steps are percentages from 0 to 100, rising, e.g. [1, 5, 25, 50].");
            if (rollout.StepEvery is not { Ticks: > 0 })
                return new(400, "invalid_steps", "A canary needs stepEvery, e.g. \"00:10:00\".");
        }
        return rollout.StickyKey is "" ? new(400, "invalid_sticky_key", "stickyKey names an entity kind, e.g. \"origin\"; leave it out to use every key.") : null;
    }

    /// <summary>Stores a validated rollout for every node and applies it here at once (a canary's clock starts now unless given).</summary>
    public async Task<Rollout> SetAsync(string model, Rollout rollout, CancellationToken cancellationToken)
    {
        var stored = rollout with { Since = rollout.Since ?? clock.GetUtcNow() };
        await store.SetAsync(model, stored, cancellationToken);
        Apply(model, stored);
        return stored;
    }

    public async Task ClearAsync(string model, CancellationToken cancellationToken)
    {
        await store.DeleteAsync(model, cancellationToken);
        Apply(model, null);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.PinPollInterval, clock);
        do
        {
            foreach (var model in registry.Names)
            {
                try
                {
                    Apply(model, await store.GetAsync(model, stoppingToken));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogDebug("Could not read the rollout of {Model} ({Reason}); the last one read stays in force", model, e.Message);
                }
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Apply(string model, Rollout? rollout)
    {
        var before = For(model);
        if (rollout is null) _rollouts.TryRemove(model, out _);
        else _rollouts[model] = rollout;
        if (Equals(before?.Mode, rollout?.Mode) && before?.Since == rollout?.Since) return;
        guard.Reset(model); // a new rollout is guarded on its own answers
        logger.LogInformation(rollout is null
            ? "No rollout of {Model}: it answers every request"
            : "Rollout of {Model}: {Mode}, challengers {Challengers}, sticky by {Sticky}",
            model, rollout?.Mode, rollout is null ? null : string.Join(", ", rollout.Challengers.Select(c => $"{c.Model} ({c.Percent} %)")), rollout?.StickyKey ?? "every key");
    }
}
