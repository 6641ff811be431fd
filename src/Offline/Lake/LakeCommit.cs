using System.Text.Json.Serialization;

namespace Streaming.Offline.Lake;

/// <summary>
/// The record that makes one flush of one topic partition part of the lake: offsets
/// <see cref="From"/>..<see cref="To"/> (inclusive), all in the listed files. Written after the files, by rename,
/// so a file no commit lists was never committed (a crash mid-flush) and is deleted at the next start.
/// </summary>
public sealed record LakeCommit(string Topic, int Partition, long From, long To, long Rows, IReadOnlyList<string> Files);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(LakeCommit))]
internal sealed partial class LakeJsonContext : JsonSerializerContext;
