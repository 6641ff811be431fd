using System.Diagnostics;
using Streaming.Ingest.Publishing;

namespace Streaming.Ingest.Replay;

/// <summary>
/// Publishes a dataset through the ingest pipeline at the pace it happened, sped up by a factor, or as
/// fast as Kafka takes it. Validation runs against the replay's simulated clock, so old data is judged as
/// it would have been when it arrived.
/// </summary>
/// <remarks>Between batches of records it waits on every <see cref="IReplayBackpressure"/> registered.</remarks>
public sealed class ReplayRunner(IngestPipeline pipeline, IEnumerable<IReplayBackpressure> backpressure)
{
    private const string Source = "replay";
    private const int BackpressureEvery = 5_000;
    private const int AwaitBehind = 50_000; // outcomes kept pending before the oldest is awaited: bounds memory

    /// <param name="speed">Simulated seconds per wall-clock second; null replays as fast as possible.</param>
    public async Task<ReplaySummary> RunAsync(IReplaySource source, double? speed, ReplayProgress progress, CancellationToken cancellationToken)
    {
        if (speed is <= 0) throw new ArgumentOutOfRangeException(nameof(speed), "Speed must be positive.");
        var wall = Stopwatch.StartNew();
        DateTimeOffset? firstArrival = null;
        var pending = new Queue<(IngestStream Stream, Task<RecordOutcome> Outcome)>();
        var downstream = backpressure.ToList();
        long sent = 0;
        await foreach (var record in source.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (sent++ % BackpressureEvery == 0)
                foreach (var waiter in downstream) await waiter.WaitAsync(cancellationToken).ConfigureAwait(false);
            firstArrival ??= record.Arrival;
            if (speed is { } factor)
            {
                var due = TimeSpan.FromTicks((long)((record.Arrival - firstArrival.Value).Ticks / factor));
                var wait = due - wall.Elapsed;
                if (wait > TimeSpan.FromMilliseconds(1)) await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }
            progress.SimulatedTime = record.Arrival;
            var outcome = await pipeline.EnqueueAsync(record.Stream, record.Utf8, Source, record.Arrival, cancellationToken: cancellationToken).ConfigureAwait(false);
            pending.Enqueue((record.Stream, outcome));
            while (pending.Count > AwaitBehind || (pending.Count > 0 && pending.Peek().Outcome.IsCompleted))
            {
                var (stream, oldest) = pending.Dequeue();
                progress.Count(stream, await oldest.ConfigureAwait(false));
            }
        }
        while (pending.TryDequeue(out var rest)) progress.Count(rest.Stream, await rest.Outcome.ConfigureAwait(false));
        return new ReplaySummary(source.RowsRead, progress.Events, progress.Labels, progress.DeadLettered, progress.Failed, wall.Elapsed);
    }
}
