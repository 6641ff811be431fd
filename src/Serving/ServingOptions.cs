namespace Streaming.Serving;

/// <summary>Configuration section "Serving".</summary>
public sealed class ServingOptions
{
    public const string Section = "Serving";

    /// <summary>The models this node serves (each follows its snapshots on model-snapshots). Configuration adds to this default; duplicates are ignored.</summary>
    public List<string> Models { get; set; } = ["flights-delay"];

    /// <summary>auto (CUDA when it loads, else CPU), cuda (fail if it does not load) or cpu.</summary>
    public string Device { get; set; } = "auto";

    /// <summary>CUDA device ordinal, when CUDA is used.</summary>
    public int CudaDeviceId { get; set; }

    /// <summary>Threads ONNX Runtime uses inside one call; 1 suits many small concurrent requests.</summary>
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>Most entities (rows) in one batch request.</summary>
    public int MaxBatch { get; set; } = 256;

    /// <summary>Largest request body accepted, in bytes.</summary>
    public int MaxBodyBytes { get; set; } = 262_144;

    /// <summary>
    /// Feature values whose newest contribution is up to this much later than the request's time still count
    /// (producers' clocks may run ahead of this node's; ingest accepts events up to Ingest:MaxFutureSkew ahead).
    /// </summary>
    public TimeSpan ClockSkewTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A classification score at or above this is decision = true.</summary>
    public double DecisionThreshold { get; set; } = 0.5;

    /// <summary>
    /// Key for the admin endpoints (pin, unpin, rollback), sent as X-Api-Key. Empty: admin endpoints answer
    /// 403 and say that no key is configured.
    /// </summary>
    public string AdminApiKey { get; set; } = "";

    /// <summary>Prediction log records waiting for Kafka; beyond this they are dropped and counted.</summary>
    public int PredictionLogCapacity { get; set; } = 100_000;

    /// <summary>How often the shared pin (Redis) is checked, so a pin set on one node reaches every node.</summary>
    public TimeSpan PinPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Scoring calls made on a freshly loaded version before it takes traffic.</summary>
    public int WarmupCalls { get; set; } = 50;
}
