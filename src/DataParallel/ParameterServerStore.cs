using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using StackExchange.Redis;

namespace Streaming.DataParallel;

/// <summary>
/// The parameter server's state on Redis. The weights of a version are sharded over <see cref="DataParallelOptions.Shards"/>
/// keys (contiguous slot ranges), and so are a round's deltas: each shard can be read, combined and written on its own,
/// on whichever Redis node holds its key. A worker pushes a partition's update shard by shard under an attempt id, then
/// commits it with one HSETNX of the partition's report: the first complete attempt wins, so a worker killed half way,
/// or two workers briefly owning one partition during a rebalance, never mix two slices.
/// </summary>
public sealed class ParameterServerStore(IConnectionMultiplexer redis, DataParallelOptions options)
{
    private IDatabase Db => redis.GetDatabase();
    private string Prefix => $"dp:{{{options.Model}}}";
    private RedisKey HeadKey => $"{Prefix}:head";
    private RedisKey WeightKey(long version, int shard) => $"{Prefix}:w:{version}:{shard}";
    private RedisKey ReportKey(long version) => $"{Prefix}:r:{version}:reports";
    private RedisKey DeltaKey(long version, int shard) => $"{Prefix}:r:{version}:d:{shard}";
    private RedisKey ObservationKey(long version) => $"{Prefix}:r:{version}:obs";
    // Asynchronous updates: one pool of committed slices, each named by its partition and start, whatever version it began from.
    private RedisKey SliceReportKey => $"{Prefix}:a:reports";
    private RedisKey SliceDeltaKey(int shard) => $"{Prefix}:a:d:{shard}";
    private RedisKey SliceObservationKey => $"{Prefix}:a:obs";

    public async Task<RoundHead?> HeadAsync()
    {
        var value = await Db.StringGetAsync(HeadKey);
        return value.IsNullOrEmpty ? null : JsonSerializer.Deserialize(value.ToString(), DataParallelJsonContext.Default.RoundHead);
    }

    public Task SetHeadAsync(RoundHead head) => Db.StringSetAsync(HeadKey, JsonSerializer.Serialize(head, DataParallelJsonContext.Default.RoundHead));

    public async Task WriteWeightsAsync(long version, float[] weights)
    {
        var db = Db;
        await Task.WhenAll(Enumerable.Range(0, options.Shards).Select(shard =>
        {
            var (from, length) = Range(shard, weights.Length);
            return db.StringSetAsync(WeightKey(version, shard), MemoryMarshal.AsBytes(weights.AsSpan(from, length)).ToArray());
        }));
    }

    /// <summary>A version's weights, or null when a shard is missing (the version was superseded and deleted meanwhile).</summary>
    public async Task<float[]?> ReadWeightsAsync(long version, int slots)
    {
        var db = Db;
        var shards = await Task.WhenAll(Enumerable.Range(0, options.Shards).Select(shard => db.StringGetAsync(WeightKey(version, shard))));
        var weights = new float[slots];
        for (var shard = 0; shard < shards.Length; shard++)
        {
            if (shards[shard].IsNull) return null;
            var (from, length) = Range(shard, slots);
            var bytes = (byte[])shards[shard]!;
            if (bytes.Length != length * sizeof(float)) throw new InvalidDataException($"Shard {shard} of {options.Model} v{version} holds {bytes.Length} bytes, not {length * sizeof(float)}.");
            MemoryMarshal.Cast<byte, float>(bytes).CopyTo(weights.AsSpan(from, length));
        }
        return weights;
    }

    /// <summary>Pushes a partition's update for the round of <paramref name="version"/>; false when another attempt committed first.</summary>
    public Task<bool> PushAsync(long version, PartitionUpdate update, int slots) =>
        PushAsync(ReportKey(version), shard => DeltaKey(version, shard), ObservationKey(version), update.Partition.ToString(CultureInfo.InvariantCulture), update, slots);

    /// <summary>Asynchronous updates: commits the slice of <paramref name="update"/>'s partition from its start; false when another attempt committed it first.</summary>
    public Task<bool> PushSliceAsync(PartitionUpdate update, int slots) =>
        PushAsync(SliceReportKey, SliceDeltaKey, SliceObservationKey, SliceName(update.Partition, update.Start), update, slots);

    private async Task<bool> PushAsync(RedisKey reportKey, Func<int, RedisKey> deltaKey, RedisKey observationKey, string name, PartitionUpdate update, int slots)
    {
        var db = Db;
        var attempt = Guid.NewGuid().ToString("N");
        var field = Field(name, attempt);
        var bySlot = SplitByShard(update, slots);
        var writes = bySlot.Select((bytes, shard) => db.HashSetAsync(deltaKey(shard), field, bytes)).ToList();
        writes.Add(db.HashSetAsync(observationKey, field, MemoryMarshal.AsBytes(update.Observations.AsSpan()).ToArray()));
        await Task.WhenAll(writes);
        var report = new PartitionReport(attempt, update.Start, update.End, update.Learned, update.Skipped, update.WatermarkMs);
        if (await db.HashSetAsync(reportKey, name, JsonSerializer.Serialize(report, DataParallelJsonContext.Default.PartitionReport), When.NotExists)) return true;
        // Another attempt committed first: this one's fields would never be read, and the asynchronous pool is never deleted whole.
        await DeleteFieldsAsync(deltaKey, observationKey, [field]);
        return false;
    }

    private Task DeleteFieldsAsync(Func<int, RedisKey> deltaKey, RedisKey observationKey, RedisValue[] fields)
    {
        var db = Db;
        var deletes = Enumerable.Range(0, options.Shards).Select(shard => db.HashDeleteAsync(deltaKey(shard), fields)).ToList();
        deletes.Add(db.HashDeleteAsync(observationKey, fields));
        return Task.WhenAll(deletes);
    }

    /// <summary>The partitions that have committed an update to the round of <paramref name="version"/>.</summary>
    public async Task<IReadOnlySet<int>> ReportedAsync(long version) =>
        (await Db.HashKeysAsync(ReportKey(version))).Select(k => (int)k).ToHashSet();

    /// <summary>Asynchronous updates: the committed slices the parameter server has not applied or discarded yet, by partition and start.</summary>
    public async Task<IReadOnlySet<(int Partition, long Start)>> PendingSlicesAsync() =>
        (await Db.HashKeysAsync(SliceReportKey)).Select(k => ParseSliceName(k.ToString())).ToHashSet();

    /// <summary>The round's committed updates, in partition order.</summary>
    public async Task<IReadOnlyList<PartitionUpdate>> ReadRoundAsync(long version, int slots) =>
        (await ReadAsync(ReportKey(version), shard => DeltaKey(version, shard), ObservationKey(version), slots, $"round {version}")).Updates;

    /// <summary>Asynchronous updates: every committed slice not yet applied or discarded, in partition then start order.</summary>
    public Task<CommittedSlices> ReadSlicesAsync(int slots) =>
        ReadAsync(SliceReportKey, SliceDeltaKey, SliceObservationKey, slots, "pending slices");

    /// <summary>Asynchronous updates: forgets slices once applied (or found stale or empty), by the names and fields they were read with.</summary>
    public async Task DeleteSlicesAsync(CommittedSlices slices)
    {
        if (slices.Names.Length == 0) return;
        // Reports first: a parameter server killed in between leaves unread fields, never a report whose fields are gone.
        await Db.HashDeleteAsync(SliceReportKey, slices.Names);
        await DeleteFieldsAsync(SliceDeltaKey, SliceObservationKey, slices.Fields);
    }

    /// <summary>Asynchronous updates: deletes the weights of a version no worker begins from any more.</summary>
    public Task DeleteWeightsAsync(long version) =>
        Db.KeyDeleteAsync([.. Enumerable.Range(0, options.Shards).Select(shard => WeightKey(version, shard))]);

    private async Task<CommittedSlices> ReadAsync(RedisKey reportKey, Func<int, RedisKey> deltaKey, RedisKey observationKey, int slots, string what)
    {
        var db = Db;
        var reports = (await db.HashGetAllAsync(reportKey))
            .Select(e => (Name: e.Name.ToString(), Report: JsonSerializer.Deserialize(e.Value.ToString(), DataParallelJsonContext.Default.PartitionReport)!))
            .Select(r => (r.Name, Partition: ParseSliceName(r.Name).Partition, r.Report))
            .OrderBy(r => r.Partition).ThenBy(r => r.Report.Start).ToList();
        var fields = reports.Select(r => (RedisValue)Field(r.Name, r.Report.Attempt)).ToArray();
        var shards = await Task.WhenAll(Enumerable.Range(0, options.Shards).Select(shard => db.HashGetAsync(deltaKey(shard), fields)));
        var observations = await db.HashGetAsync(observationKey, fields);
        var updates = new List<PartitionUpdate>(reports.Count);
        for (var i = 0; i < reports.Count; i++)
        {
            var (_, partition, report) = reports[i];
            var slotList = new List<int>();
            var deltaList = new List<float>();
            foreach (var shard in shards)
            {
                var bytes = (byte[])shard[i]!;
                var slotsOf = MemoryMarshal.Cast<byte, int>(bytes.AsSpan(0, bytes.Length / 2));
                var deltasOf = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(bytes.Length / 2));
                foreach (var s in slotsOf) slotList.Add(s);
                foreach (var d in deltasOf) deltaList.Add(d);
            }
            var observed = MemoryMarshal.Cast<byte, double>((byte[])observations[i]!).ToArray();
            if (observed.Length != report.Learned * 3) throw new InvalidDataException($"{options.Model} {what}, partition {partition}: {observed.Length} observations for {report.Learned} examples.");
            updates.Add(new PartitionUpdate(partition, report.Start, report.End, report.Skipped, report.WatermarkMs, [.. slotList], [.. deltaList], observed));
        }
        return new CommittedSlices(updates, [.. reports.Select(r => (RedisValue)r.Name)], fields);
    }

    /// <summary>Deletes a closed round's keys and the weights of the version before the one it produced.</summary>
    public async Task DeleteRoundAsync(long version)
    {
        var keys = new List<RedisKey> { ReportKey(version), ObservationKey(version) };
        for (var shard = 0; shard < options.Shards; shard++)
        {
            keys.Add(DeltaKey(version, shard));
            if (version > 0) keys.Add(WeightKey(version - 1, shard));
        }
        await Db.KeyDeleteAsync([.. keys]);
    }

    /// <summary>Forgets a round that found nothing to learn, so that every partition is tried again.</summary>
    public Task ResetRoundAsync(long version)
    {
        var keys = new List<RedisKey> { ReportKey(version), ObservationKey(version) };
        for (var shard = 0; shard < options.Shards; shard++) keys.Add(DeltaKey(version, shard));
        return Db.KeyDeleteAsync([.. keys]);
    }

    private static string Field(string name, string attempt) => $"{name}:{attempt}";

    private static string SliceName(int partition, long start) => $"{partition}:{start}";

    /// <summary>A report's name: the partition (synchronous rounds), or partition:start (asynchronous slices).</summary>
    private static (int Partition, long Start) ParseSliceName(string name)
    {
        var colon = name.IndexOf(':');
        return colon < 0
            ? (int.Parse(name, CultureInfo.InvariantCulture), -1)
            : (int.Parse(name.AsSpan(0, colon), CultureInfo.InvariantCulture), long.Parse(name.AsSpan(colon + 1), CultureInfo.InvariantCulture));
    }

    /// <summary>Shard <paramref name="shard"/>'s slots: contiguous ranges of nearly equal size.</summary>
    private (int From, int Length) Range(int shard, int slots)
    {
        var size = (slots + options.Shards - 1) / options.Shards;
        var from = Math.Min(slots, shard * size);
        return (from, Math.Min(slots, from + size) - from);
    }

    /// <summary>Per shard: its slots (int32) then their deltas (float32), as one value.</summary>
    private byte[][] SplitByShard(PartitionUpdate update, int slots)
    {
        var size = (slots + options.Shards - 1) / options.Shards;
        var perShard = Enumerable.Range(0, options.Shards).Select(_ => (Slots: new List<int>(), Deltas: new List<float>())).ToArray();
        for (var k = 0; k < update.Slots.Length; k++)
        {
            var target = perShard[update.Slots[k] / size];
            target.Slots.Add(update.Slots[k]);
            target.Deltas.Add(update.Deltas[k]);
        }
        return perShard.Select(s =>
        {
            var bytes = new byte[s.Slots.Count * 8];
            MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(s.Slots)).CopyTo(bytes);
            MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(s.Deltas)).CopyTo(bytes.AsSpan(s.Slots.Count * 4));
            return bytes;
        }).ToArray();
    }
}
