using Prometheus;
using Streaming.Contracts;

namespace Streaming.OnlineLearner;

/// <summary>The learner's Prometheus metrics.</summary>
public sealed class LearnerMetrics
{
    private readonly Gauge _progressive;
    private string? _publishedVersion;

    public LearnerMetrics(CollectorRegistry registry)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        Learned = factory.CreateCounter("streaming_learner_examples_total", "Training examples learned.", "model");
        Skipped = factory.CreateCounter("streaming_learner_skipped_total", "Training examples skipped and dead-lettered, by reason.", "model", "reason");
        Snapshots = factory.CreateCounter("streaming_learner_snapshots_total", "Snapshots saved and announced.", "model");
        SnapshotRetries = factory.CreateCounter("streaming_learner_snapshot_retries_total", "Model store calls (snapshot saves and loads) that failed and were tried again.", "model");
        Duplicates = factory.CreateCounter("streaming_learner_duplicates_total",
            "Training examples not learned because an example with the same label id was learned already (the join delivers at least once).", "model");
        ServedLoss = factory.CreateCounter("streaming_learner_served_loss_sum",
            "Sum of the losses of the scores serving answered, over examples of logged predictions (divide by streaming_learner_served_examples_total).", "model");
        ServedExamples = factory.CreateCounter("streaming_learner_served_examples_total", "Examples of logged predictions whose served score was scored against its label.", "model");
        DriftBoosts = factory.CreateCounter("streaming_learner_drift_boosts_total", "Learning-rate boosts on a confirmed concept drift (Learner:OnConceptDrift=boost).", "model");
        Version = factory.CreateGauge("streaming_learner_model_version", "Version of the newest snapshot.", "model");
        Watermark = factory.CreateGauge("streaming_learner_feature_watermark_seconds", "Latest event time learned from (Unix seconds).", "model");
        _progressive = factory.CreateGauge("streaming_learner_progressive", "Progressive validation of the model being learned, by metric and window (all: since start; recent: sliding window).",
            "model", "version", "metric", "window");
    }

    public Counter Learned { get; }
    public Counter Skipped { get; }
    public Counter Snapshots { get; }
    public Counter SnapshotRetries { get; }
    public Counter DriftBoosts { get; }
    public Counter Duplicates { get; }
    public Counter ServedLoss { get; }
    public Counter ServedExamples { get; }
    public Gauge Version { get; }
    public Gauge Watermark { get; }

    /// <summary>Publishes progressive metrics under the version being learned (its parent's series are dropped).</summary>
    public void Publish(string model, long learningVersion, ModelMetrics metrics, DateTimeOffset? watermark)
    {
        var version = learningVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (_publishedVersion is not null && _publishedVersion != version)
            foreach (var labels in _progressive.GetAllLabelValues().Where(l => l[0] == model && l[1] == _publishedVersion).ToList())
                _progressive.RemoveLabelled(labels);
        _publishedVersion = version;
        void Set(string metric, string window, double value)
        {
            if (double.IsFinite(value)) _progressive.WithLabels(model, version, metric, window).Set(value);
        }
        Set("loss", "all", metrics.MeanLoss); Set("loss", "recent", metrics.WindowMeanLoss); // log loss for logistic models
        Set("accuracy", "all", metrics.Accuracy); Set("accuracy", "recent", metrics.WindowAccuracy);
        Set("auc", "all", metrics.Auc); Set("auc", "recent", metrics.WindowAuc);
        Set("mae", "all", metrics.Mae); Set("mae", "recent", metrics.WindowMae);
        Set("rmse", "all", metrics.Rmse); Set("rmse", "recent", metrics.WindowRmse);
        if (watermark is { } w) Watermark.WithLabels(model).Set(w.ToUnixTimeMilliseconds() / 1000.0);
    }
}
