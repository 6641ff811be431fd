using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using Streaming.FeatureStore;
using Streaming.FeatureStore.Aggregation;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Online;
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
    private RedisOnlineStoreWriter _writer = null!;
    private OnlineFeatureReader _reader = null!;

    public static TheoryData<string> Servers() => RedisTests.Servers();

    private async Task ConnectAsync(string server)
    {
        if (server == "embedded") _garnet = new EmbeddedGarnet();
        _redis = await ConnectionMultiplexer.ConnectAsync(_garnet?.Endpoint ?? server);
        _writer = new RedisOnlineStoreWriter(_redis, new FeatureMetrics(Prometheus.Metrics.NewCustomRegistry()), NullLogger<RedisOnlineStoreWriter>.Instance);
        _reader = new OnlineFeatureReader(_redis, Set);
    }

    private static FeatureAggregate Aggregate(params (TimeSpan At, double Value)[] values)
    {
        var aggregate = new FeatureAggregate();
        foreach (var (at, value) in values) aggregate.Add(value, Ms(at), 0);
        return aggregate;
    }

    private async Task WriteAsync(FeatureView view, string entity, TimeSpan windowStart, FeatureAggregate aggregate)
    {
        _writer.Write(view, entity, Ms(windowStart), Ms(windowStart + view.Window.Size), aggregate);
        await _writer.FlushAsync(CancellationToken.None);
    }

    private string Id(string user) => $"{user}-{_run}";

    private Dictionary<string, string> User(string id) => new() { ["user"] = Id(id) };

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task Every_view_of_several_entities_comes_back_with_values_age_and_status(string server)
    {
        await ConnectAsync(server);
        await WriteAsync(Tumbling, Id("u1"), TimeSpan.Zero, Aggregate((TimeSpan.FromMinutes(1), 2), (TimeSpan.FromMinutes(3), 4)));
        await WriteAsync(Outcomes, Id("u2"), TimeSpan.Zero, Aggregate((TimeSpan.FromMinutes(2), 10)));

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
        await WriteAsync(Tumbling, Id("u1"), TimeSpan.Zero, Aggregate((TimeSpan.FromMinutes(1), 7)));
        var snapshot = (await _reader.ReadAsync([User("u1")], T0 + TimeSpan.FromMinutes(1) + Tumbling.Ttl + TimeSpan.FromSeconds(1)))[0]
            .Single(s => s.View == Tumbling.Name);
        Assert.Equal(SnapshotStatus.Stale, snapshot.Status);
        Assert.True(snapshot.IsDefault);
        Assert.Equal(0, snapshot.Values["sum"]);
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task An_older_window_never_replaces_a_newer_one_and_keys_expire_with_the_ttl(string server)
    {
        await ConnectAsync(server);
        await WriteAsync(Tumbling, Id("u1"), TimeSpan.FromMinutes(10), Aggregate((TimeSpan.FromMinutes(12), 5)));
        await WriteAsync(Tumbling, Id("u1"), TimeSpan.Zero, Aggregate((TimeSpan.FromMinutes(9), 100))); // e.g. a late record's window

        var snapshot = (await _reader.ReadAsync([User("u1")], T0 + TimeSpan.FromMinutes(13)))[0].Single(s => s.View == Tumbling.Name);
        Assert.Equal(5, snapshot.Values["sum"]);
        var ttl = await _redis.GetDatabase().KeyTimeToLiveAsync(OnlineKeys.For(Tumbling.Name, Id("u1")));
        Assert.InRange(ttl!.Value, Tumbling.Ttl - TimeSpan.FromMinutes(1), Tumbling.Ttl);
    }

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        await _redis.DisposeAsync();
        _garnet?.Dispose();
    }
}
