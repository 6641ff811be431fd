using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;
using Streaming.Platform;

namespace Streaming.Tests;

/// <summary>
/// The platform's Redis connection against embedded Garnet and, when REDIS_URL is set (CI starts
/// Debian's redis-server), against a real Redis: the same commands the feature store relies on.
/// </summary>
public sealed class RedisTests
{
    public static TheoryData<string> Servers()
    {
        var servers = new TheoryData<string> { "embedded" };
        if (Environment.GetEnvironmentVariable("REDIS_URL") is { Length: > 0 } url) servers.Add(url);
        return servers;
    }

    private static IHost StartPlatform(string server)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Redis:Configuration"] = server == "embedded" ? "" : server,
        });
        builder.Services.AddStreamingPlatform(builder.Configuration);
        var host = builder.Build();
        host.Start();
        return host;
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task Pipelined_hashes_with_ttl_round_trip(string server)
    {
        using var host = StartPlatform(server);
        var db = host.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var prefix = "test:" + Guid.NewGuid().ToString("N") + ":";
        var batch = db.CreateBatch();
        var writes = new List<Task>();
        for (var i = 0; i < 200; i++)
        {
            writes.Add(batch.HashSetAsync(prefix + i, [new("value", i * 1.5), new("watermark", 1_000 + i)]));
            writes.Add(batch.KeyExpireAsync(prefix + i, TimeSpan.FromMinutes(10)));
        }
        batch.Execute();
        await Task.WhenAll(writes);

        for (var i = 0; i < 200; i += 37)
        {
            var hash = (await db.HashGetAllAsync(prefix + i)).ToDictionary(e => e.Name.ToString(), e => (double)e.Value);
            Assert.Equal(i * 1.5, hash["value"]);
            Assert.Equal(1_000 + i, hash["watermark"]);
            var ttl = await db.KeyTimeToLiveAsync(prefix + i);
            Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10));
        }
        Assert.False(await db.KeyExistsAsync(prefix + "missing"));
    }
}
