using System.Globalization;
using System.Text.Json;
using Parquet.Serialization;

namespace Streaming.Offline.Lake;

/// <summary>
/// The lake on disk: <c>{root}/{topic}/date=YYYY-MM-DD/hour=HH/{topic}-p{partition}-{from}-{to}.parquet</c>, one file per
/// hour a flush touched, and <c>{root}/_commits/{topic}-p{partition}-{from}-{to}.json</c> per flush, written last. Only
/// committed files are part of the lake; offsets are what make it exactly once: a flush covers a contiguous offset
/// range, the next starts where the last commit ended, and nothing below it is written again.
/// </summary>
public sealed class LakeStore(string root)
{
    private string CommitFolder => Path.Combine(root, "_commits");

    public string Root => root;

    /// <summary>Every commit, in offset order per topic partition.</summary>
    public IReadOnlyList<LakeCommit> Commits()
    {
        if (!Directory.Exists(CommitFolder)) return [];
        return Directory.EnumerateFiles(CommitFolder, "*.json")
            .Select(path => JsonSerializer.Deserialize(File.ReadAllBytes(path), LakeJsonContext.Default.LakeCommit)!)
            .OrderBy(c => c.Topic, StringComparer.Ordinal).ThenBy(c => c.Partition).ThenBy(c => c.From)
            .ToList();
    }

    /// <summary>The first offset not yet in the lake, per topic partition.</summary>
    public Dictionary<(string Topic, int Partition), long> NextOffsets() =>
        Commits().GroupBy(c => (c.Topic, c.Partition)).ToDictionary(g => g.Key, g => g.Max(c => c.To) + 1);

    /// <summary>Deletes Parquet files no commit lists (left by a crash between writing them and committing); returns how many.</summary>
    public int DeleteUncommitted()
    {
        var committed = Commits().SelectMany(c => c.Files).Select(f => Path.GetFullPath(Path.Combine(root, f))).ToHashSet(StringComparer.Ordinal);
        var orphans = Directory.Exists(root)
            ? Directory.EnumerateFiles(root, "*.parquet*", SearchOption.AllDirectories).Where(path => !committed.Contains(Path.GetFullPath(path))).ToList()
            : [];
        foreach (var orphan in orphans) File.Delete(orphan);
        return orphans.Count;
    }

    /// <summary>Writes one flush of a topic partition (rows in offset order) and commits it.</summary>
    public async Task<LakeCommit> WriteAsync(string topic, int partition, IReadOnlyList<LakeRow> rows, CancellationToken cancellationToken)
    {
        long from = rows[0].offset, to = rows[^1].offset;
        var name = $"{topic}-p{partition.ToString(CultureInfo.InvariantCulture)}-{from:D12}-{to:D12}";
        var files = new List<string>();
        foreach (var hour in rows.GroupBy(r => new DateTime(r.event_time.Year, r.event_time.Month, r.event_time.Day, r.event_time.Hour, 0, 0, DateTimeKind.Utc)))
        {
            var relative = Path.Combine(topic, $"date={hour.Key:yyyy-MM-dd}", $"hour={hour.Key:HH}", name + ".parquet");
            var path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await using (var stream = new FileStream(path + ".tmp", FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.WriteThrough))
                await ParquetSerializer.SerializeAsync(hour.ToList(), stream, cancellationToken: cancellationToken);
            File.Move(path + ".tmp", path, overwrite: true);
            files.Add(relative);
        }
        var commit = new LakeCommit(topic, partition, from, to, rows.Count, files);
        Directory.CreateDirectory(CommitFolder);
        var commitPath = Path.Combine(CommitFolder, name + ".json");
        await File.WriteAllBytesAsync(commitPath + ".tmp", JsonSerializer.SerializeToUtf8Bytes(commit, LakeJsonContext.Default.LakeCommit), cancellationToken);
        File.Move(commitPath + ".tmp", commitPath, overwrite: true);
        return commit;
    }

    /// <summary>Every committed file: its topic, the hour it holds, and its path under the root.</summary>
    public IReadOnlyList<(string Topic, DateTime Hour, string File)> Files() =>
        Commits().SelectMany(c => c.Files.Select(f => (c.Topic, HourOf(f), f))).ToList();

    /// <summary>Every committed row of a topic, optionally only the hours in [from, to), file by file.</summary>
    public async IAsyncEnumerable<LakeRow> ReadAsync(string topic, DateTime? from = null, DateTime? to = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var (_, _, file) in Files().Where(f => f.Topic == topic && InRange(f.Hour, from, to)))
            foreach (var row in await ReadFileAsync(file, cancellationToken)) yield return row;
    }

    /// <summary>The rows of one committed file.</summary>
    public async Task<IList<LakeRow>> ReadFileAsync(string file, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(Path.Combine(root, file));
        return (await ParquetSerializer.DeserializeAsync<LakeRow>(stream, cancellationToken: cancellationToken)).Data;
    }

    /// <summary>Whether an hour overlaps [from, to): the partitioning lets a reader skip the rest unopened.</summary>
    public static bool InRange(DateTime hour, DateTime? from, DateTime? to) =>
        (from is null || hour.AddHours(1) > from) && (to is null || hour < to);

    /// <summary>The hour a lake file holds, from its date=/hour= directories.</summary>
    public static DateTime HourOf(string relative)
    {
        var parts = relative.Split(Path.DirectorySeparatorChar, '/');
        return DateTime.ParseExact($"{parts[1][5..]} {parts[2][5..]}", "yyyy-MM-dd HH", CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
    }
}
