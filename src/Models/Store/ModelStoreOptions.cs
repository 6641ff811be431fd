namespace Streaming.Models.Store;

/// <summary>Configuration section "ModelStore": where the learner writes snapshots and serving reads them.</summary>
public sealed class ModelStoreOptions
{
    public const string Section = "ModelStore";

    /// <summary>"redis" (default: every node shares it) or "directory".</summary>
    public string Kind { get; set; } = "redis";

    /// <summary>Where the directory store keeps snapshots.</summary>
    public string Directory { get; set; } = "models";
}
