using Prometheus;

namespace Streaming.Drift;

/// <summary>Drift metrics, shared by the learner (concept drift) and serving (data drift) in whatever process runs them.</summary>
public sealed class DriftMetrics
{
    public DriftMetrics(CollectorRegistry registry)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        Alerts = factory.CreateCounter("streaming_drift_alerts_total", "Drift alert records published, by kind, model, detector and state (open or resolved).",
            "kind", "model", "detector", "state");
        Open = factory.CreateGauge("streaming_drift_alert_open", "1 while a drift alert is open, 0 once resolved.", "kind", "model", "subject", "detector");
        Psi = factory.CreateGauge("streaming_drift_psi", "Population stability index of a served feature (or the score) against the served version's reference.",
            "model", "feature");
        KsPValue = factory.CreateGauge("streaming_drift_ks_pvalue", "Two-sample KS p-value of a served feature (or the score) against the reference.", "model", "feature");
    }

    public Counter Alerts { get; }
    public Gauge Open { get; }
    public Gauge Psi { get; }
    public Gauge KsPValue { get; }
}
