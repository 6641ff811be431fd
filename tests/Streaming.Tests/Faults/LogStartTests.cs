using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Streaming.Contracts;
using Streaming.FeatureStore.Streams;
using Streaming.Host.Cli;
using Streaming.Host.Web;
using Streaming.Platform.Kafka;
using Streaming.Platform.Redis;
using Streaming.Tests.Support;

namespace Streaming.Tests.Faults;

/// <summary>
/// The embedded broker keeps about 5 MiB per partition and cannot be told to keep more. A feature pipeline whose
/// position is below the log start (records deleted before it read them) must stop, saying so, not skip them quietly
/// as librdkafka's reset to the earliest record would.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class LogStartTests
{
    [Fact]
    public async Task A_pipeline_whose_position_was_deleted_while_it_was_down_stops_with_an_error_naming_the_lost_offsets()
    {
        using var kafka = new EmbeddedKafkaCluster();
        using var redis = new EmbeddedGarnet();
        await kafka.EnsureTopicsAsync([.. Topics.All(1), .. FeatureTopology.InternalTopics("features", 1)], CancellationToken.None);
        string[] settings = [$"--Kafka:BootstrapServers={kafka.BootstrapServers}", $"--Redis:Configuration={redis.Endpoint}", "--Kafka:StreamPartitions=1",
            "--Logging:LogLevel:Default=Warning"];
        using var producer = new ProducerBuilder<string?, byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers, LingerMs = 5 }).Build();

        // The pipeline folds ten records (offsets 0–9) and stops.
        for (var i = 0; i < 10; i++) producer.Produce(new TopicPartition(Topics.Events, 0), new Message<string?, byte[]> { Key = $"k{i}", Value = "{}"u8.ToArray() });
        producer.Flush(TimeSpan.FromSeconds(10));
        await using (var first = StreamingWebApp.Build(settings, "http://127.0.0.1:0", HostParts.Features))
        {
            await first.StartAsync();
            Assert.True(await first.Services.GetRequiredService<FeatureStoreService>().WaitUntilCaughtUpAsync(TimeSpan.FromMinutes(1), CancellationToken.None));
            await first.StopAsync();
        }

        // While it is down, 8 MiB more arrive and the broker drops the oldest: offsets 10 onwards are gone before it read them.
        var value = new byte[16 * 1024];
        new Random(1).NextBytes(value);
        for (var i = 0; i < 512; i++) producer.Produce(new TopicPartition(Topics.Events, 0), new Message<string?, byte[]> { Key = $"b{i}", Value = value });
        producer.Flush(TimeSpan.FromSeconds(30));
        long logStart;
        using (var probe = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = kafka.BootstrapServers, GroupId = "probe" }).Build())
            logStart = probe.QueryWatermarkOffsets(new TopicPartition(Topics.Events, 0), TimeSpan.FromSeconds(10)).Low.Value;
        Assert.True(logStart > 10, $"the log start is {logStart}");

        await using var second = StreamingWebApp.Build(settings, "http://127.0.0.1:0", HostParts.Features);
        var service = second.Services.GetRequiredService<FeatureStoreService>(); // taken before: the run disposes the host
        var run = HostRun.RunAsync(second, CancellationToken.None);
        var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromMinutes(2)));
        if (finished != run) await second.StopAsync();

        Assert.True(finished == run, "the pipeline went on with records missing");
        Assert.Equal(HostRun.PartFailed, await run);
        Assert.Equal($"the feature pipeline's position in events[0] fell below the log start: offsets 10–{logStart - 1} were lost unread",
            service.ExecuteTask!.Exception!.InnerException!.Message);
    }
}
