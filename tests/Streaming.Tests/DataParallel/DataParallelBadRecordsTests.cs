using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Streaming.Contracts;
using Streaming.Host.Web;
using Streaming.Models.Store;
using Streaming.Testing;
using Streaming.Tests.Support;

namespace Streaming.Tests.DataParallel;

/// <summary>
/// What a learner worker does with records that are not training examples: a tombstone, an empty value, invalid UTF-8,
/// broken JSON, one over the record bound and one that fails validation are each dead-lettered with its reason and
/// counted, the slice goes on past them, and every good example is learned once.
/// </summary>
public sealed class DataParallelBadRecordsTests
{
    [Theory]
    [InlineData("Synchronous")]
    [InlineData("Asynchronous")]
    public async Task Bad_records_are_dead_lettered_counted_and_stepped_over(string updates)
    {
        const int Partitions = 2;
        var examples = await TrainingExampleStream.FlightsAsync(1_000);
        var bad = new (byte[] Value, string Reason)[]
        {
            (null!, "malformed_example"),
            ([], "malformed_example"),
            ([0x7B, 0x22, 0xC3, 0x28, 0x22, 0x7D], "malformed_example"),
            (Encoding.UTF8.GetBytes("{\"id\":\"x\",\"time\":"), "malformed_example"),
            (Encoding.UTF8.GetBytes($"{{\"id\":\"huge\",\"pad\":\"{new string('a', RecordBounds.MaxRecordBytes)}\"}}"), RecordBounds.Oversized),
            (Encoding.UTF8.GetBytes("""{"id":"b1","time":"2001-01-01T00:00:00Z","features":{"trip":{"log_distance":5}}}"""), Streaming.Learning.Validation.ExampleValidator.MissingLabel),
        };
        var records = examples.Select(TrainingExampleStream.Json).ToList();
        for (var i = 0; i < bad.Length; i++) records.Insert(100 * (i + 1), bad[i].Value);

        await using var host = await RunningHost.StartAsync(HostParts.ParameterServer | HostParts.LearnerWorker,
            $"--Kafka:TrainingExamplePartitions={Partitions}", "--DataParallel:Model=dp-bad", $"--DataParallel:Updates={updates}",
            "--DataParallel:Spec:Bits=16", "--DataParallel:RoundExamples=200", "--DataParallel:IdleWait=00:00:00.100");
        TrainingExamplePublisher.Publish(host.Bootstrap, records, Partitions);
        var store = host.Services.GetRequiredService<IModelStore>();
        StoredSnapshot? latest = null;
        await Eventually.TrueAsync(async () =>
            (latest = await store.LatestAsync("dp-bad", CancellationToken.None)) is { } l && l.Manifest.Offsets.Values.Sum() == records.Count,
            TimeSpan.FromMinutes(1), "every record read");

        Assert.Equal(examples.Count, latest!.Manifest.Metrics.Examples);
        var metrics = await host.MetricsAsync();
        Assert.Equal(examples.Count, MetricsText.Sum(metrics, "streaming_dp_examples_total"));
        Assert.Equal(bad.Length, MetricsText.Sum(metrics, "streaming_dp_skipped_total"));
        var deadLetters = KafkaReader.ReadAll(host.Bootstrap, Topics.DeadLetter, bad.Length, TimeSpan.FromSeconds(20));
        Assert.Equal(bad.Select(b => b.Reason).Order(), deadLetters.Select(r => r.Header(DeadLetterHeaders.Reason)).Order());
        Assert.All(deadLetters, r => Assert.Equal("learner-worker", r.Header(DeadLetterHeaders.Source)));
    }
}
