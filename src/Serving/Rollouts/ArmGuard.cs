using System.Collections.Concurrent;

namespace Streaming.Serving.Rollouts;

/// <summary>
/// Guard rails of a rollout, judged on this node's answers rather than on labels: each arm's failed answers and the
/// time its answers take (a ring of the latest <see cref="Window"/>). A challenger that fails too often, or whose p99 is
/// both above <see cref="JudgeOptions.LatencyFloor"/> and more than <see cref="JudgeOptions.MaxLatencyRatio"/> times the
/// champion's, is rolled back by the judge without waiting for labels. Thread-safe: every request records into it.
/// </summary>
public sealed class ArmGuard(ServingOptions options, ServingMetrics metrics)
{
    public const int Window = 1024;
    private readonly ConcurrentDictionary<(string Model, string Arm), ArmRecord> _arms = new();

    /// <summary>One answer (or one failed attempt) of <paramref name="arm"/> for requests to <paramref name="model"/>.</summary>
    public void Record(string model, string arm, TimeSpan elapsed, bool failed)
    {
        _arms.GetOrAdd((model, arm), _ => new ArmRecord()).Add(elapsed, failed);
        metrics.ArmLatency.WithLabels(model, arm).Observe(elapsed.TotalSeconds);
        if (failed) metrics.ArmErrors.WithLabels(model, arm).Inc();
    }

    /// <summary>Forgets a model's arms: a new rollout is guarded afresh.</summary>
    public void Reset(string model)
    {
        foreach (var key in _arms.Keys.Where(k => k.Model == model)) _arms.TryRemove(key, out _);
    }

    /// <summary>Why <paramref name="challenger"/> must be rolled back now, or null.</summary>
    public string? Breach(string model, string challenger)
    {
        if (!_arms.TryGetValue((model, challenger), out var arm)) return null;
        var (requests, errors, p99) = arm.Figures();
        if (requests < options.Judge.GuardMinimumRequests) return null;
        var errorRate = errors / (double)requests;
        if (errorRate > options.Judge.MaxErrorRate)
            return Invariant($"{challenger} failed {errors:N0} of {requests:N0} answers ({errorRate:P1}, guard rail {options.Judge.MaxErrorRate:P1}); the champion answered them");
        if (!_arms.TryGetValue((model, model), out var champion)) return null;
        var (championRequests, _, championP99) = champion.Figures();
        if (championRequests < options.Judge.GuardMinimumRequests || p99 <= options.Judge.LatencyFloor || p99 <= championP99 * options.Judge.MaxLatencyRatio) return null;
        return Invariant($"{challenger} answered in {p99.TotalMilliseconds:F1} ms at p99 against {championP99.TotalMilliseconds:F1} ms for {model} (guard rail {options.Judge.MaxLatencyRatio}× above {options.Judge.LatencyFloor.TotalMilliseconds:F0} ms)");
    }

    private static string Invariant(FormattableString text) => text.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>An arm's counts and its latest answer times.</summary>
    private sealed class ArmRecord
    {
        private readonly long[] _ticks = new long[Window];
        private long _requests, _errors;

        public void Add(TimeSpan elapsed, bool failed)
        {
            lock (_ticks)
            {
                _ticks[_requests % Window] = elapsed.Ticks;
                _requests++;
                if (failed) _errors++;
            }
        }

        public (long Requests, long Errors, TimeSpan P99) Figures()
        {
            long[] latest;
            long requests, errors;
            lock (_ticks)
            {
                (requests, errors) = (_requests, _errors);
                latest = _ticks[..(int)Math.Min(requests, Window)];
            }
            if (latest.Length == 0) return (0, 0, TimeSpan.Zero);
            Array.Sort(latest);
            return (requests, errors, TimeSpan.FromTicks(latest[Math.Min(latest.Length - 1, (int)Math.Ceiling(latest.Length * 0.99) - 1)]));
        }
    }
}
