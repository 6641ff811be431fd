using System.Diagnostics;
using Streaming.Contracts;
using Streaming.Models.Store;
using Streaming.Platform.Kafka;
using Streaming.Platform.Redis;
using Streaming.Testing;
using Streaming.Tests.Support;
using Xunit.Abstractions;

namespace Streaming.Tests.DataParallel;

/// <summary>
/// Data-parallel learning: a parameter server and 3 learner workers, each its own process, over 4 training-examples
/// partitions. One run goes uninterrupted; in the other a worker is SIGKILLed and restarted, and so is the parameter
/// server. Every example must be learned exactly once in both; with synchronous rounds the final models must be equal bit
/// for bit, and with asynchronous updates (whose model depends on timing) the progressive loss within <see cref="AsynchronousLossMargin"/>.
/// </summary>
public sealed class DataParallelCrashTests(ITestOutputHelper output) : IDisposable
{
    private const int Partitions = 4;
    private const int Workers = 3;
    /// <summary>
    /// Asynchronous slices begin from whichever version is newest, so two runs differ by timing alone; a killed worker
    /// adds only redone slices, which are discarded. Measured here: 0.5662 uninterrupted against 0.5617 killed.
    /// </summary>
    private const double AsynchronousLossMargin = 0.02;
    private readonly EmbeddedKafkaCluster _kafka = new();
    private readonly EmbeddedGarnet _redis = new();
    private readonly List<Process> _processes = [];
    private string _updates = "Synchronous";

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.Dispose();
        }
        _redis.Dispose();
        _kafka.Dispose();
    }

    [Theory]
    [InlineData("Synchronous")]
    [InlineData("Asynchronous")]
    public async Task Three_workers_with_one_killed_and_the_parameter_server_killed_learn_every_example_once_as_the_uninterrupted_run(string updates)
    {
        _updates = updates;
        // Asynchronous versions come one per slice or so, synchronous ones one per round of 4 slices.
        var every = updates == "Asynchronous" ? 4 : 1;
        await _kafka.EnsureTopicsAsync(Topics.All(Partitions, Partitions), CancellationToken.None);
        var examples = await TrainingExampleStream.FlightsAsync(30_000);
        TrainingExamplePublisher.Publish(_kafka.BootstrapServers, examples.Select(TrainingExampleStream.Json), Partitions);
        using var redis = StackExchange.Redis.ConnectionMultiplexer.Connect(_redis.Endpoint);
        var store = new RedisModelStore(redis);

        var server = Start("uninterrupted", "parameter-server");
        var workers = Enumerable.Range(0, Workers).Select(_ => Start("uninterrupted", "learner-worker")).ToList();
        Assert.Equal(0, await ExitCodeAsync(server));
        foreach (var worker in workers) Assert.Equal(0, await ExitCodeAsync(worker));

        server = Start("killed", "parameter-server");
        workers = Enumerable.Range(0, Workers).Select(_ => Start("killed", "learner-worker")).ToList();
        await VersionAsync(store, 3 * every);
        Kill(workers[0], "worker 0", store);
        await VersionAsync(store, 5 * every); // the survivors took its partitions over
        workers[0] = Start("killed", "learner-worker");
        await VersionAsync(store, 7 * every);
        var killedServer = !server.HasExited;
        if (killedServer)
        {
            Kill(server, "the parameter server", store);
            server = Start("killed", "parameter-server");
        }
        Assert.Equal(0, await ExitCodeAsync(server));
        foreach (var worker in workers) Assert.Equal(0, await ExitCodeAsync(worker));

        var uninterrupted = (await store.LatestAsync("uninterrupted", CancellationToken.None))!;
        var killed = (await store.LatestAsync("killed", CancellationToken.None))!;
        output.WriteLine($"{updates}: uninterrupted v{uninterrupted.Manifest.Version}, killed v{killed.Manifest.Version} (parameter server killed too: {killedServer}); " +
            $"progressive loss {uninterrupted.Manifest.Metrics.MeanLoss:F4} uninterrupted, {killed.Manifest.Metrics.MeanLoss:F4} killed");
        // Each version's offsets advance each partition over exactly the examples it learned: all of them, none twice.
        var everyExample = Enumerable.Range(0, Partitions).ToDictionary(p => p, p => (long)examples.Count / Partitions);
        foreach (var run in new[] { uninterrupted, killed })
        {
            Assert.Equal(examples.Count, run.Manifest.Metrics.Examples);
            Assert.Equal(everyExample, run.Manifest.Offsets);
        }
        if (updates == "Asynchronous")
        {
            Assert.InRange(killed.Manifest.Metrics.MeanLoss, uninterrupted.Manifest.Metrics.MeanLoss - AsynchronousLossMargin, uninterrupted.Manifest.Metrics.MeanLoss + AsynchronousLossMargin);
            return;
        }
        Assert.Equal(uninterrupted.Manifest.Version, killed.Manifest.Version);
        Assert.Equal(uninterrupted.Manifest.Offsets, killed.Manifest.Offsets);
        Assert.Equal(uninterrupted.Manifest.Metrics, killed.Manifest.Metrics);
        Assert.True(uninterrupted.Payload.AsSpan().SequenceEqual(killed.Payload), "weights or optimizer state differ");
    }

    private Process Start(string model, string command)
    {
        var process = HostProcess.Start(
        [
            command, "--urls", "http://127.0.0.1:0",
            $"--Kafka:BootstrapServers={_kafka.BootstrapServers}", $"--Redis:Configuration={_redis.Endpoint}",
            $"--Kafka:StreamPartitions={Partitions}", $"--Kafka:TrainingExamplePartitions={Partitions}",
            $"--DataParallel:Model={model}", $"--DataParallel:Updates={_updates}", "--DataParallel:StopWhenCaughtUp=true", "--DataParallel:Spec:Bits=16",
            "--DataParallel:RoundExamples=500", "--DataParallel:IdleWait=00:00:00.200",
            "--Kafka:GroupSessionTimeout=00:00:03",
            "--Logging:LogLevel:Default=Warning",
        ], line => output.WriteLine($"[{model} {command}] {line}"));
        _processes.Add(process);
        return process;
    }

    private void Kill(Process process, string what, RedisModelStore store)
    {
        process.Kill(entireProcessTree: true); // SIGKILL: no shutdown hooks
        process.WaitForExit();
        output.WriteLine($"{DateTime.Now:HH:mm:ss.fff} killed {what} at v{store.LatestVersionAsync("killed", CancellationToken.None).GetAwaiter().GetResult()}");
    }

    private static async Task VersionAsync(RedisModelStore store, long version)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while ((await store.LatestVersionAsync("killed", timeout.Token) ?? 0) < version) await Task.Delay(10, timeout.Token);
    }

    private static async Task<int> ExitCodeAsync(Process process)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode;
    }
}
