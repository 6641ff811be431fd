using System.Globalization;

namespace Streaming.FeatureStore.Streams;

/// <summary>
/// Keys that address one partition of a repartition topic (watermarks go to all of them). What a key addresses
/// only steers the partitioner; the record's kind says whether it is a watermark, so a producer's key that happens
/// to look like one changes nothing else.
/// </summary>
public static class WatermarkKeys
{
    private const string Prefix = "\u0000watermark\u0000";

    public static string For(int partition) => Prefix + partition.ToString(CultureInfo.InvariantCulture);

    /// <summary>The partition a watermark key addresses (of <paramref name="partitionCount"/>); null for any other key.</summary>
    public static int? PartitionOf(string key, int partitionCount) =>
        key.StartsWith(Prefix, StringComparison.Ordinal)
        && int.TryParse(key.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
        && partition < partitionCount
            ? partition
            : null;

    /// <summary>The name a source partition's watermarks carry.</summary>
    public static string Source(string topic, int partition) => $"{topic}/{partition.ToString(CultureInfo.InvariantCulture)}";
}
