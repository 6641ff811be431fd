using System.Diagnostics;
using Streaming.Contracts;
using Streaming.Models.Store;
using Streaming.Platform.Kafka;
using Streaming.Platform.Redis;
using Streaming.Testing;
using Streaming.Tests.Support;
using Xunit.Abstractions;

namespace Streaming.Tests.Learning;

/// <summary>
/// Exactly-once resume: the learner runs as its own process and is killed with SIGKILL at random points
/// while consuming a fixed stream, restarted each time; its final model must equal, bit for bit, that of
/// one uninterrupted run over the same stream.
/// </summary>
public sealed class LearnerCrashTests(ITestOutputHelper output) : IDisposable
{
    private readonly EmbeddedKafkaCluster _kafka = new();
    private readonly EmbeddedGarnet _redis = new();

    public void Dispose()
    {
        _redis.Dispose();
        _kafka.Dispose();
    }

    [Fact]
    public async Task A_learner_killed_at_random_points_resumes_to_the_same_model_bit_for_bit()
    {
        await _kafka.EnsureTopicsAsync(Topics.All(), CancellationToken.None);
        var examples = await TrainingExampleStream.FlightsAsync(30_000);
        TrainingExamplePublisher.Publish(_kafka.BootstrapServers, examples.Select(TrainingExampleStream.Json));
        using var redis = StackExchange.Redis.ConnectionMultiplexer.Connect(_redis.Endpoint);
        var store = new RedisModelStore(redis);

        Assert.Equal(0, await RunLearnerAsync("uninterrupted").WaitForExitAsync(TimeSpan.FromMinutes(2)));

        var seed = Environment.TickCount;
        var random = new Random(seed);
        output.WriteLine($"kill schedule seed {seed}");
        var kills = 0;
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var before = (await store.VersionsAsync("killed", CancellationToken.None)).DefaultIfEmpty(0).Max();
            var target = before + random.Next(1, 4);
            using var learner = RunLearnerAsync("killed");
            // Wait until it has made some progress past its last snapshot, then kill it between snapshots.
            while (!learner.Process.HasExited && (await store.VersionsAsync("killed", CancellationToken.None)).DefaultIfEmpty(0).Max() < target)
                await Task.Delay(20);
            await Task.Delay(random.Next(0, 200));
            if (learner.Process.HasExited) break;
            learner.Process.Kill(entireProcessTree: true); // SIGKILL: no shutdown hooks, no final snapshot
            await learner.Process.WaitForExitAsync();
            kills++;
            output.WriteLine($"{DateTime.Now:HH:mm:ss.fff} killed after snapshot v{(await store.VersionsAsync("killed", CancellationToken.None)).DefaultIfEmpty(0).Max()}");
        }
        Assert.True(kills >= 2, $"only {kills} kills landed before the stream was consumed");
        Assert.Equal(0, await RunLearnerAsync("killed").WaitForExitAsync(TimeSpan.FromMinutes(2)));

        var uninterrupted = (await store.LatestAsync("uninterrupted", CancellationToken.None))!;
        var killed = (await store.LatestAsync("killed", CancellationToken.None))!;
        Assert.Equal(examples.Count, uninterrupted.Manifest.Metrics.Examples);
        Assert.Equal(uninterrupted.Manifest.Offsets, killed.Manifest.Offsets);
        Assert.Equal(uninterrupted.Manifest.Metrics, killed.Manifest.Metrics);
        Assert.True(uninterrupted.Payload.AsSpan().SequenceEqual(killed.Payload), "weights or optimizer state differ");
    }

    private LearnerProcess RunLearnerAsync(string model) => new(output,
    [
        "learner", "--urls", "http://127.0.0.1:0",
        $"--Kafka:BootstrapServers={_kafka.BootstrapServers}", $"--Redis:Configuration={_redis.Endpoint}",
        $"--Learner:Model={model}", "--Learner:StopWhenCaughtUp=true", "--Learner:Spec:Bits=16",
        "--Learner:SnapshotEveryExamples=1500", "--Learner:BatchSize=250",
        "--Kafka:GroupSessionTimeout=00:00:03",
        "--Logging:LogLevel:Default=Warning",
    ]);

    private sealed class LearnerProcess : IDisposable
    {
        public LearnerProcess(ITestOutputHelper output, string[] args) => Process = HostProcess.Start(args, output.WriteLine);

        public Process Process { get; }

        public async Task<int> WaitForExitAsync(TimeSpan timeout)
        {
            using var cancel = new CancellationTokenSource(timeout);
            await Process.WaitForExitAsync(cancel.Token);
            return Process.ExitCode;
        }

        public void Dispose()
        {
            if (!Process.HasExited) Process.Kill(entireProcessTree: true);
            Process.Dispose();
        }
    }
}
