using System.Text.Json;
using Streaming.Contracts;

namespace Streaming.Ingest.Publishing;

/// <summary>
/// The producer library for applications: publish typed events and labels. Each goes through the same
/// validation as HTTP ingest (an invalid one is dead-lettered and reported, never published), is keyed by
/// its entities so one entity's events stay in order, and is acknowledged by Kafka before the task
/// completes. For throughput, <c>Enqueue*</c> returns once queued and lets the caller await later.
/// </summary>
internal sealed class EventProducer(IngestPipeline pipeline)
{
    private const string Source = "producer";

    public async Task<RecordOutcome> PublishAsync(EntityEvent entityEvent, CancellationToken cancellationToken = default) =>
        await (await EnqueueAsync(entityEvent, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);

    public async Task<RecordOutcome> PublishAsync(Label label, CancellationToken cancellationToken = default) =>
        await (await EnqueueAsync(label, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);

    public ValueTask<Task<RecordOutcome>> EnqueueAsync(EntityEvent entityEvent, CancellationToken cancellationToken = default) =>
        pipeline.EnqueueAsync(IngestStream.Events, JsonSerializer.SerializeToUtf8Bytes(entityEvent, ContractsJsonContext.Default.EntityEvent), Source, cancellationToken: cancellationToken);

    public ValueTask<Task<RecordOutcome>> EnqueueAsync(Label label, CancellationToken cancellationToken = default) =>
        pipeline.EnqueueAsync(IngestStream.Labels, JsonSerializer.SerializeToUtf8Bytes(label, ContractsJsonContext.Default.Label), Source, cancellationToken: cancellationToken);
}
