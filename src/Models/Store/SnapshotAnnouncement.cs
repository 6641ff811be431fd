using System.Text.Json;
using Confluent.Kafka;
using Streaming.Contracts;

namespace Streaming.Models.Store;

/// <summary>
/// The record that tells every serving node a snapshot exists: its manifest on <see cref="Topics.ModelSnapshots"/>,
/// keyed by model (the compacted topic keeps each model's newest). Published after the snapshot is saved.
/// </summary>
public static class SnapshotAnnouncement
{
    public static Message<string?, byte[]> For(SnapshotManifest manifest) => new()
    {
        Key = manifest.Model,
        Value = JsonSerializer.SerializeToUtf8Bytes(manifest, ContractsJsonContext.Default.SnapshotManifest),
    };
}
