using System.Collections.Concurrent;
using Streaming.Contracts;
using Streaming.Drift.Alerts;
using Streaming.Drift.DataDrift;

namespace Streaming.Drift;

/// <summary>
/// Data drift of one model version's inputs (and of its scores): each numeric feature's recent values are
/// compared with the reference profile stored with the version's snapshot, by PSI and the two-sample KS test.
/// An alert opens when PSI ≥ <see cref="DriftOptions.PsiAlert"/> and the KS p-value &lt; <see cref="DriftOptions.KsAlpha"/>
/// (both: PSI alone flags tiny samples, KS alone flags shifts too small to matter on big ones), and resolves after
/// <see cref="DriftOptions.CalmChecksToResolve"/> checks in a row with PSI &lt; <see cref="DriftOptions.PsiResolve"/>.
/// One monitor per model, across its versions: when a new version is served its reference replaces the old
/// one (<see cref="Rebase"/>) while the recent windows and open alerts carry on, so a drift that outlives a
/// version is still one alert. <see cref="Add"/> and <see cref="Rebase"/> are thread-safe (requests call them
/// concurrently); <see cref="Check"/> runs on one timer.
/// </summary>
public sealed class DataDriftMonitor(DriftOptions options, string model)
{
    public const string Score = "score";

    private readonly ConcurrentDictionary<string, RecentWindow> _recent = new(StringComparer.Ordinal);
    private readonly AlertTracker _tracker = new(options.CalmChecksToResolve);
    private (long Version, IReadOnlyDictionary<string, FeatureHistogram> Reference) _current = (0, new Dictionary<string, FeatureHistogram>());

    /// <summary>The version whose reference recent data is compared with (0 before the first).</summary>
    public long Version => _current.Version;

    /// <summary>Compares with <paramref name="version"/>'s reference from now on (empty: that version carries none).</summary>
    public void Rebase(long version, IReadOnlyDictionary<string, FeatureHistogram>? reference) =>
        _current = (version, reference ?? new Dictionary<string, FeatureHistogram>());

    /// <summary>Adds one served value of a feature (ignored when the reference has no profile of it).</summary>
    public void Add(string feature, double value)
    {
        if (!_current.Reference.ContainsKey(feature)) return;
        _recent.GetOrAdd(feature, _ => new RecentWindow(options.RecentWindow)).Add(value);
    }

    /// <summary>Compares every feature's recent window with its reference; returns the alert records to publish.</summary>
    public IReadOnlyList<DriftAlert> Check(DateTimeOffset now, IDictionary<string, DistributionShift>? shifts = null)
    {
        var alerts = new List<DriftAlert>();
        var (version, reference) = _current;
        foreach (var (feature, window) in _recent)
        {
            if (window.Count < options.MinRecentValues || !reference.TryGetValue(feature, out var profile)) continue;
            var shift = DistributionShift.Between(profile.Counts, profile.Bin(window.Values));
            if (shifts is not null) shifts[feature] = shift;
            var signal = shift.Psi >= options.PsiAlert && shift.KsPValue < options.KsAlpha ? Signal.Drifting
                : shift.Psi < options.PsiResolve ? Signal.Calm
                : Signal.Undecided;
            var kind = feature == Score ? "score_drift" : "data_drift";
            var key = $"{kind}/{model}/{feature}/psi_ks";
            if (_tracker.Observe(key, signal, now) is not { } transition) continue;
            alerts.Add(new DriftAlert(key, transition.Opened ? DriftAlert.Open : DriftAlert.Resolved, kind, model, version, feature, "psi_ks",
                shift.Psi, transition.Opened ? options.PsiAlert : options.PsiResolve, $"last {window.Count} served values vs {profile.Total()} learned from",
                transition.Since, now,
                transition.Opened
                    ? $"{feature} of {model} v{version} is distributed unlike the data it learned from (PSI {shift.Psi:F2}, KS D {shift.KsStatistic:F2}, p {shift.KsPValue:G2}): " +
                      "check the producers of this feature (a unit, a default, an outage?); if the change is real, the online learner adapts, or retrain in batch."
                    : $"{feature} is back to its reference distribution (PSI {shift.Psi:F2}); nothing to do."));
        }
        return alerts;
    }
}
