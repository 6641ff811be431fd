namespace Streaming.Drift.Alerts;

/// <summary>What one observation says about a watched stream.</summary>
internal enum Signal
{
    /// <summary>Drift now (a detector fired, or a statistic is over its upper threshold).</summary>
    Drifting,
    /// <summary>Clearly fine (no detection; a statistic under its lower threshold).</summary>
    Calm,
    /// <summary>Neither: between the thresholds. Keeps an open alert open and a closed one closed.</summary>
    Undecided,
}

/// <summary>A change of an alert's state, to publish.</summary>
internal sealed record AlertTransition(string Key, bool Opened, DateTimeOffset Since);

/// <summary>
/// Hysteresis and de-duplication, so one drift is one "open" record and its end one "resolved" record: an alert
/// opens at the first <see cref="Signal.Drifting"/> observation; further ones while it is open only keep it open;
/// it resolves after <c>calmToResolve</c> consecutive <see cref="Signal.Calm"/> observations. Not thread-safe:
/// each watcher owns one.
/// </summary>
internal sealed class AlertTracker(int calmToResolve)
{
    private readonly Dictionary<string, (DateTimeOffset Since, int Calm)> _open = new(StringComparer.Ordinal);

    public IEnumerable<string> OpenKeys => _open.Keys;

    public bool IsOpen(string key) => _open.ContainsKey(key);

    /// <summary>Records an observation; returns the transition to publish, if any.</summary>
    public AlertTransition? Observe(string key, Signal signal, DateTimeOffset now)
    {
        if (!_open.TryGetValue(key, out var state))
        {
            if (signal != Signal.Drifting) return null;
            _open[key] = (now, 0);
            return new AlertTransition(key, Opened: true, now);
        }
        switch (signal)
        {
            case Signal.Drifting:
                _open[key] = (state.Since, 0);
                return null;
            case Signal.Calm when state.Calm + 1 >= calmToResolve:
                _open.Remove(key);
                return new AlertTransition(key, Opened: false, state.Since);
            case Signal.Calm:
                _open[key] = (state.Since, state.Calm + 1);
                return null;
            default:
                return null;
        }
    }
}
