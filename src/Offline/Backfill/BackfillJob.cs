using System.Diagnostics;
using System.Text.Json;
using Parquet.Serialization;
using StackExchange.Redis;
using Streaming.Contracts;
using Streaming.FeatureStore.Definitions;
using Streaming.Platform.Kafka;

namespace Streaming.Offline.Backfill;

/// <summary>What a backfill does besides folding the history in.</summary>
/// <param name="TrainingSet">Write the point-in-time training set here (Parquet), resuming from its checkpoint.</param>
/// <param name="Materialize">Write every entity's latest values into the online store.</param>
/// <param name="Parity">Compare with what streaming produced: the online store and, with a training set, the streamed examples.</param>
/// <param name="MetricsFile">Write the parity figures here as Prometheus text (for node_exporter's textfile collector).</param>
public sealed record BackfillRequest(string? TrainingSet = null, bool Materialize = false, bool Parity = false, string? MetricsFile = null)
{
    public bool NeedsOnlineStore => Materialize || Parity;
}

/// <summary>What a finished backfill did.</summary>
public sealed record BackfillOutcome(BackfillRun Run, TimeSpan Elapsed, long? Materialized, ParityResult? Online, ExampleSkewResult? Examples)
{
    /// <summary>The online store must equal the backfill; examples differ by what serving saw, which is measured, not failed on.</summary>
    public bool ParityHolds => Online is null || Online.Mismatches.Count == 0;
}

/// <summary>
/// The backfill's entry point: the history through a <see cref="BackfillRun"/>, then materialization and parity as asked.
/// The online store and the broker are needed only for those (<see cref="BackfillRequest.NeedsOnlineStore"/>).
/// </summary>
public sealed class BackfillJob(FeatureSet set, TimeSpan joinHorizon, IConnectionMultiplexer? redis = null, KafkaClientConfigs? kafka = null)
{
    /// <summary>The run under way, readable while it runs (for progress).</summary>
    public BackfillRun Run { get; } = new(set, joinHorizon);

    public async Task<BackfillOutcome> RunAsync(IAsyncEnumerable<HistoryRecord> history, BackfillRequest request, CancellationToken cancellationToken)
    {
        if (request.NeedsOnlineStore && redis is null) throw new InvalidOperationException("Materialization and parity need the online store.");
        var clock = Stopwatch.StartNew();
        await Run.RunAsync(history, request.TrainingSet, cancellationToken);
        var elapsed = clock.Elapsed;
        long? materialized = request.Materialize ? await Run.Features.MaterializeToAsync(redis!) : null;
        if (!request.Parity) return new BackfillOutcome(Run, elapsed, materialized, null, null);

        var online = await ParityReport.CompareOnlineAsync(redis!, Run.Features.Latest());
        ExampleSkewResult? examples = null;
        if (request.TrainingSet is { } trainingSet && kafka is not null)
        {
            var backfilled = (await ParquetSerializer.DeserializeAsync<TrainingSetRow>(trainingSet, cancellationToken: cancellationToken)).Data
                .Select(r => JsonSerializer.Deserialize(r.example, ContractsJsonContext.Default.TrainingExample)!);
            examples = ParityReport.CompareExamples(StreamedExamples.Read(kafka), backfilled);
        }
        if (request.MetricsFile is { } file) await ParityMetrics.WriteAsync(file, online, examples, cancellationToken);
        return new BackfillOutcome(Run, elapsed, materialized, online, examples);
    }
}
