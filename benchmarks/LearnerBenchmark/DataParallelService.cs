using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Streaming.Contracts;
using Streaming.DataParallel;
using Streaming.Host.Web;
using Streaming.Models.Store;
using Streaming.Platform.Kafka;
using Streaming.Platform.Redis;

namespace Streaming.Benchmarks.Learner;

public sealed record DataParallelResult(int Workers, UpdateMode Updates, double ExamplesPerSecond, TimeSpan Elapsed, StoredSnapshot Latest);

/// <summary>
/// The parameter server and N learner workers as deployed (the host's parts, each its own host in this process, JSON
/// examples from the embedded broker's partitions, weights and snapshots in embedded Garnet), each worker count its
/// own model over the same published examples. Timed from the parameter server's start, once every worker owns its
/// partitions, until it has caught up: the group's rebalance is not in the figure, every round is.
/// </summary>
public sealed class DataParallelService : IDisposable
{
    private readonly EmbeddedKafkaCluster _kafka = new();
    private readonly EmbeddedGarnet _redis = new();
    private readonly int _partitions;
    private readonly int _count;

    private DataParallelService(int partitions, int count) => (_partitions, _count) = (partitions, count);

    public static async Task<DataParallelService> PublishAsync(IReadOnlyList<TrainingExample> examples, int partitions)
    {
        var service = new DataParallelService(partitions, examples.Count);
        await service._kafka.EnsureTopicsAsync(Topics.All(partitions, partitions), CancellationToken.None);
        EndToEnd.Publish(service._kafka.BootstrapServers, examples, partitions);
        return service;
    }

    public async Task<DataParallelResult> RunAsync(int workers, UpdateMode updates, IReadOnlyList<string> settings, string? model = null)
    {
        model ??= $"bench-dp-{updates}-{workers}".ToLowerInvariant();
        string[] common =
        [
            $"--Kafka:BootstrapServers={_kafka.BootstrapServers}", $"--Redis:Configuration={_redis.Endpoint}",
            $"--Kafka:StreamPartitions={_partitions}", $"--Kafka:TrainingExamplePartitions={_partitions}",
            $"--DataParallel:Model={model}", $"--DataParallel:Updates={updates}", "--DataParallel:StopWhenCaughtUp=true", "--DataParallel:IdleWait=00:00:00.100",
            "--Kafka:GroupSessionTimeout=00:00:03",
            "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning",
            .. settings,
        ];
        var apps = new List<WebApplication>();
        try
        {
            for (var w = 0; w < workers; w++)
            {
                var worker = StreamingWebApp.Build(common, "http://127.0.0.1:0", HostParts.LearnerWorker);
                apps.Add(worker);
                await worker.StartAsync();
            }
            await AssignedAsync(apps, model);
            var server = StreamingWebApp.Build(common, "http://127.0.0.1:0", HostParts.ParameterServer);
            apps.Add(server);
            var clock = Stopwatch.StartNew();
            await server.StartAsync();
            await server.WaitForShutdownAsync();
            var elapsed = clock.Elapsed;
            var latest = await server.Services.GetRequiredService<IModelStore>().LatestAsync(model, CancellationToken.None)
                ?? throw new InvalidOperationException("The parameter server stopped without a snapshot.");
            if (latest.Manifest.Metrics.Examples != _count)
                throw new InvalidOperationException($"{workers} workers learned {latest.Manifest.Metrics.Examples:N0} of {_count:N0} examples.");
            foreach (var worker in apps.Take(workers)) await worker.WaitForShutdownAsync();
            return new DataParallelResult(workers, updates, _count / elapsed.TotalSeconds, elapsed, latest);
        }
        finally
        {
            foreach (var app in apps) await app.DisposeAsync();
        }
    }

    /// <summary>Until the group has given every partition to some worker (each worker exports how many it owns).</summary>
    private async Task AssignedAsync(List<WebApplication> workers, string model)
    {
        var owned = workers.Select(w => w.Services.GetRequiredService<DataParallelMetrics>().OwnedPartitions.WithLabels(model)).ToList();
        var waiting = Stopwatch.StartNew();
        while (owned.Any(o => o.Value == 0) || owned.Sum(o => o.Value) != _partitions)
        {
            if (waiting.Elapsed > TimeSpan.FromMinutes(1))
                throw new TimeoutException($"The group gave out {owned.Sum(o => o.Value)} of {_partitions} partitions in a minute.");
            await Task.Delay(10);
        }
    }

    public void Dispose()
    {
        _redis.Dispose();
        _kafka.Dispose();
    }
}
