using Streaming.Contracts;
using Streaming.Drift.Alerts;
using Streaming.Drift.Detectors;

namespace Streaming.Drift;

/// <summary>
/// Concept drift on a model's per-example loss: ADWIN and Page-Hinkley side by side on each watched stream
/// (the learner's progressive loss; the loss of served predictions once their labels join), each with its own
/// alert. An alert opens at the first detected rise and resolves once its detector has seen no further rise for
/// <see cref="DriftOptions.ResolveAfterExamples"/> examples in a row: the loss is either back to where it was before or
/// has settled at a new level (a learner catching up with a new concept often stays above its old level for long), and
/// the resolved record says which. Waiting for the old level instead would keep an alert open for good whenever the
/// new regime is harder, and every later change would vanish into it. Not thread-safe: the learner's loop owns it.
/// </summary>
public sealed class ConceptDriftMonitor(DriftOptions options)
{
    private readonly Dictionary<(string Model, string Subject), Stream> _streams = [];
    private readonly AlertTracker _tracker = new(calmToResolve: 1); // the calm is counted here, per detector
    private readonly Dictionary<string, double> _lossBefore = new(StringComparer.Ordinal);

    /// <summary>Adds one example's loss; returns the alert records to publish (usually none).</summary>
    public IReadOnlyList<DriftAlert> Observe(string model, long? version, string subject, double loss, DateTimeOffset now)
    {
        if (!_streams.TryGetValue((model, subject), out var detectors))
            _streams[(model, subject)] = detectors = new Stream(new Adwin(options.AdwinDelta), new PageHinkley(options.PageHinkleyDelta, options.PageHinkleyThreshold),
                $"concept_drift/{model}/{subject}/adwin", $"concept_drift/{model}/{subject}/page_hinkley");
        var value = Math.Min(double.IsFinite(loss) ? loss : options.LossCap, options.LossCap);
        var levelBefore = detectors.Level.Estimation;
        // ADWIN reports falls too (a model still improving): only a rise is a drift to alert on. Page-Hinkley as
        // built here only detects rises.
        var adwinChange = detectors.Level.Update(value);
        var adwinRise = adwinChange && detectors.Level.Estimation > levelBefore;
        var pageHinkleyRise = detectors.PageHinkley.Update(value);
        detectors.SinceRise[0] = adwinRise ? 0 : detectors.SinceRise[0] + 1;
        detectors.SinceRise[1] = pageHinkleyRise ? 0 : detectors.SinceRise[1] + 1;
        List<DriftAlert>? alerts = null;
        for (var d = 0; d < 2; d++)
        {
            var (key, detector, rose) = d == 0 ? (detectors.AdwinKey, "adwin", adwinRise) : (detectors.PageHinkleyKey, "page_hinkley", pageHinkleyRise);
            var open = _tracker.IsOpen(key);
            if (rose && !open) _lossBefore[key] = levelBefore;
            var signal = rose ? Signal.Drifting
                : !open || detectors.SinceRise[d] >= options.ResolveAfterExamples ? Signal.Calm
                : Signal.Undecided;
            if (_tracker.Observe(key, signal, now) is not { } transition) continue;
            var before = _lossBefore[key];
            var level = detectors.Level.Estimation;
            (alerts ??= []).Add(new DriftAlert(key, transition.Opened ? DriftAlert.Open : DriftAlert.Resolved, "concept_drift", model, version, subject,
                detector, level, before, $"last {detectors.Level.Width} examples", transition.Since, now,
                transition.Opened
                    ? $"The {subject.Replace('_', ' ')} of {model} rose (mean {before:F3} before, {level:F3} since; {detector}): check recent events and " +
                      $"labels; if the model got worse, roll back (POST /v1/admin/models/{model}/rollback) or retrain in batch."
                    : level <= before * 1.02
                        ? $"The {subject.Replace('_', ' ')} is back to {level:F3} (was {before:F3} before the drift); nothing to do."
                        : $"The {subject.Replace('_', ' ')} settled at {level:F3} (was {before:F3} before the drift) with no further rise for {options.ResolveAfterExamples:N0} examples: " +
                          $"that is the new baseline, and a further rise opens a new alert. If this level is not acceptable, roll back or retrain in batch."));
        }
        return alerts ?? (IReadOnlyList<DriftAlert>)[];
    }

    public IEnumerable<string> OpenAlerts => _tracker.OpenKeys;

    /// <summary>A confirmed drift: both detectors have an open alert on the stream.</summary>
    public bool IsConfirmed(string model, string subject) =>
        _streams.TryGetValue((model, subject), out var stream) && _tracker.IsOpen(stream.AdwinKey) && _tracker.IsOpen(stream.PageHinkleyKey);

    /// <summary>
    /// One watched stream: its detectors (ADWIN's window mean is also the current loss level), alert keys, and how many
    /// examples in a row each detector (ADWIN, Page-Hinkley) saw no rise.
    /// </summary>
    private sealed record Stream(Adwin Level, PageHinkley PageHinkley, string AdwinKey, string PageHinkleyKey)
    {
        public long[] SinceRise { get; } = new long[2];
    }
}
