using System.ComponentModel.DataAnnotations;

namespace Streaming.Offline.Lake;

/// <summary>Configuration section "Lake": where and how often the event lake is written.</summary>
internal sealed class LakeOptions
{
    public const string Section = "Lake";

    /// <summary>Root folder of the lake (Parquet files and their commit records).</summary>
    public string Directory { get; set; } = "lake";

    /// <summary>The topics archived. Configuration adds to this default; duplicates are ignored.</summary>
    public List<string> Topics { get; set; } = [Contracts.Topics.Events, Contracts.Topics.Labels, Contracts.Topics.Predictions];

    /// <summary>Write what has been read at least this often...</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan FlushEvery { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>...or as soon as this many records wait.</summary>
    [Range(1, 100_000_000)]
    public int FlushRecords { get; set; } = 100_000;

    /// <summary>
    /// Read every partition from its beginning instead of from the lake's committed offsets (e.g. to check the lake
    /// against the topics); records the lake already has are skipped and counted, never written twice.
    /// </summary>
    public bool ReadFromBeginning { get; set; }
}
