using System.Numerics.Tensors;

namespace Streaming.Federated;

/// <summary>
/// Federated averaging (McMahan et al., 2017): a round collects the clients' updates against the current version, and
/// closing it adds their deltas weighted by example count, Σ nᵢ·δᵢ / Σ nᵢ, as the next version. One bad client cannot
/// wreck the model: malformed, stale-base and duplicate updates are refused as they arrive; at the close, updates whose
/// norm is far above the round's median are refused as outlying and the rest are clipped to a bound relative to that
/// median. Every update received is counted once under its verdict. Thread-safe: clients may submit concurrently.
/// </summary>
public sealed class FederatedAveragingServer
{
    private readonly FederatedOptions _options;
    private readonly FederatedMetrics _metrics;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ModelUpdate> _round = [];
    private readonly Dictionary<string, UpdateVerdict> _refused = [];

    public FederatedAveragingServer(GlobalModel initial, FederatedOptions options, FederatedMetrics metrics)
    {
        // Averaging weights is only averaging models when the weights are the whole model: FTRL and the adaptive
        // optimizers keep per-coordinate state that a client could not start from.
        if (initial.Spec.Optimizer != "sgd")
            throw new ArgumentException($"Federated averaging needs the 'sgd' optimizer, whose state is its weights; the spec says '{initial.Spec.Optimizer}'.", nameof(initial));
        Current = initial;
        _options = options;
        _metrics = metrics;
        metrics.Version.Set(initial.Version);
    }

    /// <summary>The version clients should fetch and train from.</summary>
    public GlobalModel Current { get; private set; }

    /// <summary>
    /// Takes an update into the open round, or refuses it at once: null while its fate waits for the round's close,
    /// otherwise the verdict that refused it.
    /// </summary>
    public UpdateVerdict? Submit(ModelUpdate update)
    {
        lock (_gate)
        {
            _metrics.Received.Inc();
            var verdict = Check(update);
            if (verdict is null)
            {
                _round[update.ClientId] = update;
                return null;
            }
            // An update with no client id is counted but cannot be named in the round's verdicts.
            if (!string.IsNullOrEmpty(update.ClientId)) _refused.TryAdd(update.ClientId, verdict.Value);
            _metrics.Updates.WithLabels(verdict.Value.Label()).Inc();
            return verdict;
        }
    }

    /// <summary>Judges the round's updates, averages the accepted ones into the next version and opens the next round.</summary>
    public FederatedRound CloseRound()
    {
        lock (_gate)
        {
            var verdicts = new Dictionary<string, UpdateVerdict>(_refused);
            var norms = _round.Values.ToDictionary(u => u.ClientId, u => (double)TensorPrimitives.Norm<float>(u.Deltas));
            var median = Median(norms.Values);
            var sum = new double[Current.Weights.Length];
            long examples = 0;
            foreach (var update in _round.Values)
            {
                var norm = norms[update.ClientId];
                var verdict = norm > _options.OutlierFactor * median ? UpdateVerdict.Outlying
                    : norm > _options.ClipFactor * median ? UpdateVerdict.Clipped
                    : UpdateVerdict.Accepted;
                verdicts[update.ClientId] = verdict;
                _metrics.Updates.WithLabels(verdict.Label()).Inc();
                if (!verdict.IsAccepted()) continue;
                var scale = verdict == UpdateVerdict.Clipped ? _options.ClipFactor * median / norm : 1.0;
                for (var k = 0; k < update.Slots.Length; k++) sum[update.Slots[k]] += update.ExampleCount * scale * update.Deltas[k];
                examples += update.ExampleCount;
            }
            _round.Clear();
            _refused.Clear();
            if (examples > 0)
            {
                var weights = (float[])Current.Weights.Clone();
                for (var slot = 0; slot < weights.Length; slot++) weights[slot] += (float)(sum[slot] / examples);
                Current = Current with { Version = Current.Version + 1, Weights = weights };
                _metrics.Version.Set(Current.Version);
                _metrics.Examples.Inc(examples);
            }
            return new FederatedRound(Current, verdicts, examples);
        }
    }

    private UpdateVerdict? Check(ModelUpdate update)
    {
        if (!IsWellFormed(update, Current.Weights.Length)) return UpdateVerdict.Malformed;
        if (update.BaseVersion != Current.Version) return UpdateVerdict.StaleBase;
        if (_round.ContainsKey(update.ClientId) || _refused.ContainsKey(update.ClientId)) return UpdateVerdict.Duplicate;
        return null;
    }

    private static bool IsWellFormed(ModelUpdate update, int slots)
    {
        if (string.IsNullOrEmpty(update.ClientId) || update.ExampleCount <= 0) return false;
        if (update.Slots is null || update.Deltas is null || update.Slots.Length != update.Deltas.Length) return false;
        var seen = new HashSet<int>();
        for (var k = 0; k < update.Slots.Length; k++)
        {
            if ((uint)update.Slots[k] >= (uint)slots || !seen.Add(update.Slots[k]) || !float.IsFinite(update.Deltas[k])) return false;
        }
        return true;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return 0;
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

/// <summary>A closed round: the version it produced (the same one when nothing was accepted), each client's verdict and the examples averaged.</summary>
public sealed record FederatedRound(GlobalModel Model, IReadOnlyDictionary<string, UpdateVerdict> Verdicts, long Examples);
