using Prometheus;

namespace Streaming.Serving;

/// <summary>Serving's Prometheus metrics. Requests received = answered (by status) for every endpoint.</summary>
public sealed class ServingMetrics
{
    public ServingMetrics(CollectorRegistry registry)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        Requests = factory.CreateCounter("streaming_serving_requests_total", "Prediction requests answered, by endpoint and HTTP status.", "endpoint", "status");
        Rejected = factory.CreateCounter("streaming_serving_rejected_total", "Requests answered 4xx (or 503 not ready), by reason.", "reason");
        Latency = factory.CreateHistogram("streaming_serving_request_seconds", "Time to answer a prediction request, inside the server.",
            new HistogramConfiguration
            {
                LabelNames = ["endpoint"],
                Buckets = [0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.0025, 0.005, 0.01, 0.025, 0.1, 1],
            });
        RowsPerCall = factory.CreateHistogram("streaming_serving_rows_per_call", "Rows predicted together (one Redis round trip, one model call): a batch request's, or single requests micro-batched.",
            new HistogramConfiguration { Buckets = [1, 2, 4, 8, 16, 32, 64, 128, 256] });
        Predictions = factory.CreateCounter("streaming_serving_predictions_total", "Rows scored, by model.", "model");
        ColdStartPredictions = factory.CreateCounter("streaming_serving_cold_start_predictions_total",
            "Rows scored by version 0 (the configured spec with zero weights) because no snapshot existed yet.", "model");
        FeatureDefaults = factory.CreateCounter("streaming_serving_feature_defaults_total",
            "Views answered with defaults instead of stored values, by view and status (missing, stale, unavailable, store_unavailable).", "view", "status");
        LogPublished = factory.CreateCounter("streaming_serving_prediction_log_published_total", "Prediction log records acknowledged by Kafka.");
        LogDropped = factory.CreateCounter("streaming_serving_prediction_log_dropped_total",
            "Prediction log records lost: buffer full (Kafka slow or unreachable) or not delivered. Their labels then join by event id instead.", "reason");
        LogQueue = factory.CreateGauge("streaming_serving_prediction_log_queue", "Prediction log records waiting for Kafka.");
        RolloutRouted = factory.CreateCounter("streaming_serving_rollout_routed_total", "Requests of a model under an A/B or canary rollout, by the arm (model) that answered.", "model", "arm");
        ShadowScored = factory.CreateCounter("streaming_serving_shadow_scored_total", "Rows a shadow challenger scored beside the answer (logged, never returned).", "model", "shadow");
        ArmLabels = factory.CreateCounter("streaming_rollout_arm_labels_total", "Labels of answers (or shadow scores) of a rollout's arm, by model and arm.", "model", "arm");
        ArmLoss = factory.CreateGauge("streaming_rollout_arm_loss", "Mean loss of a rollout arm's labelled answers since the rollout began.", "model", "arm");
        ArmMeanScore = factory.CreateGauge("streaming_rollout_arm_mean_score", "Mean score of a rollout arm's labelled answers (calibration: against the mean outcome).", "model", "arm");
        ArmMeanOutcome = factory.CreateGauge("streaming_rollout_arm_mean_outcome", "Mean outcome (target) of a rollout arm's labelled answers.", "model", "arm");
        ArmAccuracy = factory.CreateGauge("streaming_rollout_arm_accuracy", "Share of a classifier arm's labelled answers whose decision matched the outcome.", "model", "arm");
        ArmLatency = factory.CreateHistogram("streaming_rollout_arm_latency_seconds", "Time a rollout arm took to answer (or to fail), by model and arm.",
            new HistogramConfiguration { LabelNames = ["model", "arm"], Buckets = Histogram.ExponentialBuckets(0.0001, 2, 16) });
        ArmErrors = factory.CreateCounter("streaming_rollout_arm_errors_total", "Answers a rollout arm failed to give (the champion answered instead), by model and arm.", "model", "arm");
        ArmAuc = factory.CreateGauge("streaming_rollout_arm_auc", "AUC of a classifier arm's labelled answers since the rollout began (binned, updated every 100 labels).", "model", "arm");
        ArmZ = factory.CreateGauge("streaming_rollout_z", "The judge's z of a challenger (positive: better than the champion).", "model", "challenger");
        RolloutDecisions = factory.CreateCounter("streaming_rollout_decisions_total", "Promotions and rollbacks the judge decided.", "model", "decision");
        UnreadableRecords = factory.CreateCounter("streaming_serving_unreadable_records_total",
            "Records of model-snapshots and drift-alerts this node could not use: dead-lettered, by topic and reason.", "topic", "reason");
        DeadLetterFailures = factory.CreateCounter("streaming_serving_dead_letter_failures_total", "Dead letters the producer refused outright (lost).");
        StoreUnavailable = factory.CreateCounter("streaming_serving_store_unavailable_total",
            "Rows answered with defaults because the online store did not answer: timeout, error, or circuit_open (not tried).", "reason");
        StoreCircuitOpen = factory.CreateGauge("streaming_serving_store_circuit_open", "1 while the circuit breaker in front of online feature reads is open.");
        Version = factory.CreateGauge("streaming_serving_model_version", "The version each model answers with on this node.", "model");
        Pinned = factory.CreateGauge("streaming_serving_model_pinned", "1 while the model is pinned to a version (rollback), 0 when it follows the newest.", "model");
        Swaps = factory.CreateCounter("streaming_serving_model_swaps_total", "Versions swapped in.", "model");
        LoadFailures = factory.CreateCounter("streaming_serving_model_load_failures_total", "Versions that could not be loaded (pruned, corrupt or of another feature spec).", "model");
        Device = factory.CreateGauge("streaming_serving_device_info", "1 for the device ONNX Runtime runs on (cpu or cuda:N).", "device");
    }

    public Counter Requests { get; }
    public Counter Rejected { get; }
    public Histogram Latency { get; }
    public Histogram RowsPerCall { get; }
    public Counter Predictions { get; }
    public Counter ColdStartPredictions { get; }
    public Counter FeatureDefaults { get; }
    public Counter LogPublished { get; }
    public Counter LogDropped { get; }
    public Gauge LogQueue { get; }
    public Counter RolloutRouted { get; }
    public Counter ShadowScored { get; }
    public Counter ArmLabels { get; }
    public Gauge ArmLoss { get; }
    public Gauge ArmMeanScore { get; }
    public Gauge ArmMeanOutcome { get; }
    public Gauge ArmAccuracy { get; }
    public Gauge ArmAuc { get; }
    public Histogram ArmLatency { get; }
    public Counter ArmErrors { get; }
    public Gauge ArmZ { get; }
    public Counter RolloutDecisions { get; }
    public Counter UnreadableRecords { get; }
    public Counter DeadLetterFailures { get; }
    public Counter StoreUnavailable { get; }
    public Gauge StoreCircuitOpen { get; }
    public Gauge Version { get; }
    public Gauge Pinned { get; }
    public Counter Swaps { get; }
    public Counter LoadFailures { get; }
    public Gauge Device { get; }
}
