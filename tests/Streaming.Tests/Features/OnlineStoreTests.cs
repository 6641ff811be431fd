using StackExchange.Redis;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Online;
using Streaming.FeatureStore.Tiles;
using Streaming.FeatureStore.Training;
using Streaming.Platform.Redis;
using static Streaming.Tests.Features.TestViews;

namespace Streaming.Tests.Features;

/// <summary>
/// The Redis online store's writer and reader against real RESP servers: embedded Garnet and, when
/// REDIS_URL is set (CI), Debian's redis-server. Entity ids are unique per test, so a shared server is fine.
/// </summary>
public sealed class OnlineStoreTests : IAsyncDisposable
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private EmbeddedGarnet? _garnet;
    private ConnectionMultiplexer _redis = null!;
    private RedisTileStore _tiles = null!;
    private OnlineFeatureReader _reader = null!;

    public static TheoryData<string> Servers() => RedisTests.Servers();

    private async Task ConnectAsync(string server)
    {
        if (server == "embedded") _garnet = new EmbeddedGarnet();
        _redis = await ConnectionMultiplexer.ConnectAsync(_garnet?.Endpoint ?? server);
        _tiles = new RedisTileStore(_redis);
        _reader = new OnlineFeatureReader(_redis, Set);
    }

    private static EntityTile Tile(FeatureView view, params (TimeSpan At, double Value)[] values)
    {
        var tile = new EntityTile();
        foreach (var (at, value) in values) tile.Add(view, value, Ms(at), 0);
        return tile;
    }

    private Task WriteAsync(FeatureView view, string entity, EntityTile tile, int partition = 0) =>
        _tiles.WriteAsync("online-store-test", [TileWrite.Of(view, entity, new SourcePartition(view.Source == FeatureSource.Events ? "events" : "labels", partition), tile)],
            new Dictionary<SourcePartition, PartitionProgress>());

    private string Id(string user) => $"{user}-{_run}";

    private Dictionary<string, string> User(string id) => new() { ["user"] = Id(id) };

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task Every_view_of_several_entities_comes_back_with_values_age_and_status(string server)
    {
        await ConnectAsync(server);
        await WriteAsync(Tumbling, Id("u1"), Tile(Tumbling, (TimeSpan.FromMinutes(1), 2)));
        await WriteAsync(Tumbling, Id("u1"), Tile(Tumbling, (TimeSpan.FromMinutes(3), 4)), partition: 1); // another partition's part
        await WriteAsync(Outcomes, Id("u2"), Tile(Outcomes, (TimeSpan.FromMinutes(2), 10)));

        var vectors = await _reader.ReadAsync([User("u1"), User("u2")], T0 + TimeSpan.FromMinutes(5));

        var u1 = vectors[0].ToDictionary(s => s.View);
        Assert.Equal(SnapshotStatus.Fresh, u1[Tumbling.Name].Status);
        Assert.Equal(2, u1[Tumbling.Name].Values["count"]);
        Assert.Equal(3, u1[Tumbling.Name].Values["mean"]);
        Assert.Equal((long)TimeSpan.FromMinutes(2).TotalMilliseconds, u1[Tumbling.Name].AgeMs);
        Assert.Equal(SnapshotStatus.Missing, u1[Outcomes.Name].Status); // never written for u1
        Assert.Equal(-1, u1[Outcomes.Name].Values["mean"]); // the view's default
        var u2 = vectors[1].ToDictionary(s => s.View);
        Assert.Equal(10, u2[Outcomes.Name].Values["mean"]);
        Assert.Equal(3, vectors[1].Count); // one snapshot per view of the entity kind
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task A_value_older_than_its_ttl_is_returned_as_defaults_flagged_stale(string server)
    {
        await ConnectAsync(server);
        await WriteAsync(Tumbling, Id("u1"), Tile(Tumbling, (TimeSpan.FromMinutes(1), 7)));
        var snapshot = (await _reader.ReadAsync([User("u1")], T0 + TimeSpan.FromMinutes(1) + Tumbling.Ttl + TimeSpan.FromSeconds(1)))[0]
            .Single(s => s.View == Tumbling.Name);
        Assert.Equal(SnapshotStatus.Stale, snapshot.Status);
        Assert.True(snapshot.IsDefault);
        Assert.Equal(0, snapshot.Values["sum"]);
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task Parts_merge_into_the_window_of_the_newest_time_and_keys_expire_with_the_ttl(string server)
    {
        await ConnectAsync(server);
        await WriteAsync(Tumbling, Id("u1"), Tile(Tumbling, (TimeSpan.FromMinutes(12), 5)));
        await WriteAsync(Tumbling, Id("u1"), Tile(Tumbling, (TimeSpan.FromMinutes(9), 100)), partition: 1); // a slower partition, still in the previous window

        var snapshot = (await _reader.ReadAsync([User("u1")], T0 + TimeSpan.FromMinutes(13)))[0].Single(s => s.View == Tumbling.Name);
        Assert.Equal(5, snapshot.Values["sum"]);
        var window = Assert.Single(await _reader.ReadWindowsAsync([(Tumbling, Id("u1"))]));
        Assert.Equal((Ms(TimeSpan.FromMinutes(10)), Ms(TimeSpan.FromMinutes(20))), (window!.StartMs, window.EndMs));
        var ttl = await _redis.GetDatabase().KeyTimeToLiveAsync(OnlineKeys.For(Tumbling.Name, Id("u1")));
        Assert.InRange(ttl!.Value, Tumbling.Ttl - TimeSpan.FromMinutes(1), Tumbling.Ttl);
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task Tiles_and_progress_round_trip_through_redis(string server)
    {
        await ConnectAsync(server);
        var part = new SourcePartition("events", 3);
        var application = "progress-" + _run;
        Assert.Null(_tiles.LoadProgress(application, part));
        var tile = Tile(Hopping, (TimeSpan.FromMinutes(1), 2), (TimeSpan.FromMinutes(7), 3));
        await _tiles.WriteAsync(application, [TileWrite.Of(Hopping, Id("u1"), part, tile)], new Dictionary<SourcePartition, PartitionProgress> { [part] = new(41, Ms(TimeSpan.FromMinutes(7))) });
        Assert.Equal(new PartitionProgress(41, Ms(TimeSpan.FromMinutes(7))), _tiles.LoadProgress(application, part));
        Assert.Equal(tile.Serialize(), _tiles.LoadTile(Hopping, Id("u1"), part)!.Serialize());
        Assert.Null(_tiles.LoadTile(Hopping, Id("u1"), new SourcePartition("events", 2)));
    }

    public async ValueTask DisposeAsync()
    {
        await _redis.DisposeAsync();
        _garnet?.Dispose();
    }
}
