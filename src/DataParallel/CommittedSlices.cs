using StackExchange.Redis;

namespace Streaming.DataParallel;

/// <summary>Committed updates as read, with the report names and delta fields they were read under (to delete them by).</summary>
public sealed record CommittedSlices(IReadOnlyList<PartitionUpdate> Updates, RedisValue[] Names, RedisValue[] Fields);
