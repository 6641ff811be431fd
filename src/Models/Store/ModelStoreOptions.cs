namespace Streaming.Models.Store;

/// <summary>Configuration section "ModelStore": where the learner writes snapshots and serving reads them.</summary>
internal sealed class ModelStoreOptions
{
    public const string Section = "ModelStore";

    /// <summary>Redis (default: every node shares it) or a directory.</summary>
    public ModelStoreKind Kind { get; set; } = ModelStoreKind.Redis;

    /// <summary>Where the directory store keeps snapshots.</summary>
    public string Directory { get; set; } = "models";
}

/// <summary>Where snapshots live: Redis (shared by every node) or a folder (only when every node shares it).</summary>
internal enum ModelStoreKind
{
    Redis,
    Directory,
}
