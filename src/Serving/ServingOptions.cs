using System.ComponentModel.DataAnnotations;
namespace Streaming.Serving;

/// <summary>Configuration section "Serving".</summary>
public sealed class ServingOptions
{
    public const string Section = "Serving";

    /// <summary>The models this node serves (each follows its snapshots on model-snapshots). Configuration adds to this default; duplicates are ignored.</summary>
    public List<string> Models { get; set; } = ["flights-delay"];

    /// <summary>auto (CUDA when it loads, else CPU), cuda (fail if it does not load) or cpu.</summary>
    public ExecutionDeviceChoice Device { get; set; } = ExecutionDeviceChoice.Auto;

    /// <summary>CUDA device ordinal, when CUDA is used.</summary>
    [Range(0, 64)]
    public int CudaDeviceId { get; set; }

    /// <summary>Threads ONNX Runtime uses inside one call; 1 suits many small concurrent requests.</summary>
    [Range(1, 256)]
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>Most entities (rows) in one batch request.</summary>
    [Range(1, 100_000)]
    public int MaxBatch { get; set; } = 256;

    /// <summary>
    /// Most keys, and most fields, in one request. With <see cref="MaxTextLength"/> it bounds what a request's
    /// prediction log can hold, so that every log fits the broker's record limit.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxFields { get; set; } = 64;

    /// <summary>Longest entity kind, id, field name or text field value, in characters.</summary>
    [Range(1, 65536)]
    public int MaxTextLength { get; set; } = 1_024;

    /// <summary>Largest request body accepted, in bytes.</summary>
    [Range(1, 1_073_741_824)]
    public int MaxBodyBytes { get; set; } = 262_144;

    /// <summary>
    /// Feature values whose newest contribution is up to this much later than the request's time still count
    /// (producers' clocks may run ahead of this node's; ingest accepts events up to Ingest:MaxFutureSkew ahead).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan ClockSkewTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A classification score at or above this is decision = true.</summary>
    [Range(0.0, 1.0)]
    public double DecisionThreshold { get; set; } = 0.5;

    /// <summary>Prediction log records waiting for Kafka; beyond this they are dropped and counted.</summary>
    [Range(1, 100_000_000)]
    public int PredictionLogCapacity { get; set; } = 100_000;

    /// <summary>How often the shared pin (Redis) is checked, so a pin set on one node reaches every node.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan PinPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Scoring calls made on a freshly loaded version before it takes traffic.</summary>
    [Range(0, 100_000)]
    public int WarmupCalls { get; set; } = 50;

    /// <summary>
    /// Before a model's first snapshot, answer from a version 0: <see cref="ColdStartSpec"/> with zero weights, flagged
    /// as such in every response ("coldStart": true) and in streaming_serving_cold_start_predictions_total. Predictions
    /// are then logged from the first request on, so their labels become the learner's first examples.
    /// </summary>
    public bool ColdStart { get; set; } = true;

    /// <summary>The spec version 0 is built from; the host fills it with the learner's (Learner:Spec) when not given.</summary>
    public Learning.LearnerSpec? ColdStartSpec { get; set; }

    /// <summary>How online feature reads fail when Redis is slow or down, see <see cref="StoreGuardOptions"/>.</summary>
    [Microsoft.Extensions.Options.ValidateObjectMembers]
    public StoreGuardOptions Store { get; set; } = new();

    /// <summary>The rollout judge's test, see <see cref="JudgeOptions"/>.</summary>
    [Microsoft.Extensions.Options.ValidateObjectMembers]
    public JudgeOptions Judge { get; set; } = new();

    /// <summary>Coalescing of concurrent single predictions (POST .../predict) into batches; off by default, see <see cref="MicroBatchOptions"/>.</summary>
    public MicroBatchOptions MicroBatch { get; set; } = new();
}

/// <summary>Configuration section "Serving:MicroBatch".</summary>
public sealed class MicroBatchOptions
{
    /// <summary>
    /// Most single requests predicted together (one Redis round trip, one version lease, one ONNX Runtime call).
    /// 1 turns micro-batching off: each request is predicted on its own. Off by default: on the CPU a model call
    /// is ~5 µs of a ~300 µs prediction, so batching saves little besides a few shared reads; measured on
    /// 2 cores (benchmarks/ServingBenchmark) it gave somewhat more throughput near saturation and slower
    /// answers at light load, differences of the size of run-to-run noise. It is meant for where a
    /// call is dear (CUDA: one kernel launch per batch instead of per request; not measured, no GPU here).
    /// </summary>
    public int MaxRows { get; set; } = 1;

    /// <summary>
    /// How long a batch worker waits for more requests after the first; zero takes only what queued while the
    /// previous batch ran, so a lone request is never held back. Timers tick in milliseconds on Linux.
    /// </summary>
    public TimeSpan MaxWait { get; set; } = TimeSpan.Zero;

    /// <summary>Batches in flight at once (each awaiting Redis while the next one fills).</summary>
    public int Workers { get; set; } = 2;

    public bool Enabled => MaxRows > 1;
}

/// <summary>
/// Configuration section "Serving:Store": the timeout and circuit breaker in front of online feature reads
/// (<see cref="Prediction.GuardedFeatureReads"/>). A read is normally well under a millisecond.
/// </summary>
public sealed class StoreGuardOptions
{
    /// <summary>Longest wait for one read; then the request is answered with defaults flagged store_unavailable.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Share of failed reads within <see cref="SamplingDuration"/> that opens the breaker.</summary>
    [Range(0.01, 1.0)]
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>Reads within <see cref="SamplingDuration"/> before the ratio counts.</summary>
    [Range(2, 1_000_000)]
    public int MinimumThroughput { get; set; } = 5;

    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an open breaker answers without Redis before one read tries it again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Configuration section "Serving:Judge": the sequential test that promotes or rolls back a rollout's challengers on
/// their labelled answers (<see cref="Rollouts.ArmComparison"/>). One judge is active at a time, whichever node holds
/// the training-examples partition in the "rollout-judge" group.
/// </summary>
public sealed class JudgeOptions
{
    /// <summary>Decide by itself; false: only measure (the figures are still exported).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Labels each arm needs before the first look.</summary>
    [Range(2, 100_000_000)]
    public int MinimumLabels { get; set; } = 2_000;

    /// <summary>Labels between looks.</summary>
    [Range(1, 100_000_000)]
    public int CheckEvery { get; set; } = 500;

    /// <summary>|z| at which a look decides (3.29: two-sided 0.001 per look).</summary>
    [Range(1.0, 10.0)]
    public double Threshold { get; set; } = 3.29;

    /// <summary>Guard rail: a challenger whose share of failed answers (each answered by the champion instead) exceeds this is rolled back.</summary>
    [Range(0.0, 1.0)]
    public double MaxErrorRate { get; set; } = 0.01;

    /// <summary>Guard rail: a challenger whose p99 answer time exceeds this multiple of the champion's (on this node) is rolled back...</summary>
    [Range(1.0, 1000.0)]
    public double MaxLatencyRatio { get; set; } = 2;

    /// <summary>...when its p99 is also above this floor (a ratio between microseconds says nothing).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan LatencyFloor { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Requests each arm answers on this node before the guard rails apply.</summary>
    [Range(1, 100_000_000)]
    public int GuardMinimumRequests { get; set; } = 200;
}

/// <summary>Serving:Device: where ONNX Runtime scores.</summary>
public enum ExecutionDeviceChoice
{
    /// <summary>CUDA when its execution provider loads, else the CPU (logged, and shown on /status).</summary>
    Auto,
    /// <summary>CUDA or fail at start: for nodes that must not silently lose their GPU.</summary>
    Cuda,
    Cpu,
}
