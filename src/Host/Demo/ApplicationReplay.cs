using System.Diagnostics;
using System.Text.Json;
using Streaming.Contracts;
using Streaming.FeatureStore;
using Streaming.Flights;
using Streaming.Ingest;
using Streaming.Ingest.Publishing;
using Streaming.Ingest.Replay;
using Streaming.Serving;
using Streaming.Serving.Models;
using Streaming.Serving.Prediction;

namespace Streaming.Host.Demo;

/// <summary>
/// The demo's replay, acting as the application: before each departure is published, at its event time, it asks
/// serving for a prediction (the same <see cref="Predictor"/> the HTTP API calls), and when the flight's delay is
/// known it publishes the label with that prediction's id, so the learner trains on what was served. Departures of
/// the same minute are asked for in one batch, and like a fleet of application instances the replay keeps several
/// batches in flight (<see cref="MaxBatchesInFlight"/>): one request at a time would leave both cores idle for every
/// Redis round trip. A departure is published once its answer is back, so no prediction sees its own departure.
/// </summary>
/// <remarks>
/// An application sees the features of everything that happened before it asks. The replay runs far faster than the
/// events did, so before predicting at time t it waits until the feature pipeline has stored (in Redis) every record
/// published with a time up to t − <c>maxLag</c>: the features served then lag the request by at most that much
/// event time. The lag actually seen is measured and reported (<see cref="ApplicationReplaySummary"/>).
/// </remarks>
internal sealed class ApplicationReplay(IngestPipeline pipeline, Predictor predictor, PredictionLogPublisher predictionLog, ModelRegistry registry,
    FeatureMetrics features, ServingOptions serving, IEnumerable<IReplayBackpressure> backpressure)
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(1);

    private const int BackpressureEvery = 5_000;
    private const string Source = "replay";
    private const int AwaitBehind = 50_000; // outcomes kept pending before the oldest is awaited: bounds memory
    private const int FeatureAgeSampleEvery = 8;
    private const int MaxBatchesInFlight = 8;

    /// <param name="speed">Simulated seconds per wall-clock second; null replays as fast as the pipeline keeps up.</param>
    public async Task<ApplicationReplaySummary> RunAsync(FlightsReplaySource source, double? speed, TimeSpan maxLag, ReplayProgress progress, CancellationToken cancellationToken)
    {
        if (speed is <= 0) throw new ArgumentOutOfRangeException(nameof(speed), "Speed must be positive.");
        DateTimeOffset? firstArrival = null;
        var model = serving.Models[0];
        await WaitUntilServingAsync(model, cancellationToken).ConfigureAwait(false);
        var wall = Stopwatch.StartNew();
        var storedAtStart = Stored();
        var unstored = new Queue<(long Count, DateTimeOffset Arrival)>(); // published records not yet known to be stored
        long published = 0, predictions = 0, unpredicted = 0, coldStart = 0, labelled = 0;
        var lags = new List<double>();
        var ages = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        var predictionIds = new Dictionary<string, string>(StringComparer.Ordinal);
        var outcomes = new Queue<(IngestStream Stream, Task<RecordOutcome> Outcome)>();
        var departures = new List<EntityEvent>();
        var inFlight = new Queue<(List<EntityEvent> Departures, Task<IReadOnlyList<PredictionResponse>?> Answers)>();
        var inFlightIds = new HashSet<string>(StringComparer.Ordinal);
        var downstream = backpressure.ToList();

        await foreach (var record in source.ReadFlightsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (departures.Count > 0 && (record.Event is null || record.Event.Time != departures[0].Time || departures.Count == serving.MaxBatch))
                await AskAsync().ConfigureAwait(false);
            if (record.Event is { } departure)
            {
                departures.Add(departure);
                continue;
            }
            var label = record.Label!;
            if (label.EventId is { } landed && inFlightIds.Contains(landed))
                while (inFlight.Count > 0) await CompleteOldestAsync().ConfigureAwait(false);
            if (label.EventId is { } eventId && predictionIds.Remove(eventId, out var predictionId))
            {
                label = label with { PredictionId = predictionId };
                labelled++;
            }
            await PublishAsync(IngestStream.Labels, JsonSerializer.SerializeToUtf8Bytes(label, ContractsJsonContext.Default.Label), record.Arrival).ConfigureAwait(false);
        }
        if (departures.Count > 0) await AskAsync().ConfigureAwait(false);
        while (inFlight.Count > 0) await CompleteOldestAsync().ConfigureAwait(false);
        while (outcomes.TryDequeue(out var rest)) progress.Count(rest.Stream, await rest.Outcome.ConfigureAwait(false));
        var replay = new ReplaySummary(source.RowsRead, progress.Events, progress.Labels, progress.DeadLettered, progress.Failed, wall.Elapsed);
        return new ApplicationReplaySummary(replay, progress.SimulatedTime, predictions, unpredicted, coldStart, labelled, maxLag, Distribution.Of(lags),
            ages.ToDictionary(a => a.Key, a => Distribution.Of(a.Value)));

        // Sends the departures gathered as one prediction request, and leaves it in flight.
        async Task AskAsync()
        {
            var time = departures[0].Time;
            // Departures in flight are not published yet: those that the features must show by now go out first.
            while (inFlight.TryPeek(out var oldest) && (inFlight.Count >= MaxBatchesInFlight || oldest.Departures[0].Time <= time - maxLag))
                await CompleteOldestAsync().ConfigureAwait(false);
            lags.Add((await WaitForFeaturesAsync(time).ConfigureAwait(false)).TotalMinutes);
            // The prediction log is published in the background: never let its buffer fill (a dropped log loses its example).
            while (predictionLog.Pending > serving.PredictionLogCapacity / 2) await Task.Delay(1, cancellationToken).ConfigureAwait(false);
            var requests = departures.Select(d => new PredictionRequest(d.Keys, d.Fields, d.Time)).ToList();
            foreach (var d in departures) inFlightIds.Add(d.Id);
            inFlight.Enqueue((departures, predictor.PredictAsync(model, requests)));
            departures = [];
        }

        // Takes the oldest request's answers, then publishes its departures with them.
        async Task CompleteOldestAsync()
        {
            var (batch, pending) = inFlight.Dequeue();
            var answers = await pending.ConfigureAwait(false);
            for (var i = 0; i < batch.Count; i++)
            {
                if (answers?[i] is { } answer)
                {
                    predictionIds[batch[i].Id] = answer.PredictionId;
                    predictions++;
                    if (answer.ColdStart == true) coldStart++;
                    if (predictions % FeatureAgeSampleEvery == 0)
                        foreach (var (view, use) in answer.Features)
                            if (use.AgeMs is { } age)
                            {
                                if (!ages.TryGetValue(view, out var list)) ages[view] = list = [];
                                list.Add(age / 60_000.0);
                            }
                }
                else unpredicted++;
                inFlightIds.Remove(batch[i].Id);
                await PublishAsync(IngestStream.Events, JsonSerializer.SerializeToUtf8Bytes(batch[i], ContractsJsonContext.Default.EntityEvent), batch[i].Time)
                    .ConfigureAwait(false);
            }
        }

        // Waits until every record published up to time − maxLag is in Redis; returns how far behind time the newest stored one is.
        async Task<TimeSpan> WaitForFeaturesAsync(DateTimeOffset time)
        {
            var newestStored = DateTimeOffset.MinValue;
            while (true)
            {
                var stored = Stored() - storedAtStart;
                while (unstored.TryPeek(out var oldest) && oldest.Count <= stored) newestStored = unstored.Dequeue().Arrival;
                if (!unstored.TryPeek(out var next) || next.Arrival > time - maxLag) break;
                await Task.Delay(1, cancellationToken).ConfigureAwait(false);
            }
            return unstored.Count == 0 || newestStored == DateTimeOffset.MinValue ? TimeSpan.Zero : time - newestStored;
        }

        async Task PublishAsync(IngestStream stream, byte[] utf8, DateTimeOffset arrival)
        {
            if (published % BackpressureEvery == 0)
                foreach (var waiter in downstream) await waiter.WaitAsync(cancellationToken).ConfigureAwait(false);
            firstArrival ??= arrival;
            if (speed is { } factor && TimeSpan.FromTicks((long)((arrival - firstArrival.Value).Ticks / factor)) - wall.Elapsed is var wait && wait > TimeSpan.FromMilliseconds(1))
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            progress.SimulatedTime = arrival;
            var outcome = await pipeline.EnqueueAsync(stream, utf8, Source, arrival, cancellationToken: cancellationToken).ConfigureAwait(false);
            unstored.Enqueue((++published, arrival));
            outcomes.Enqueue((stream, outcome));
            while (outcomes.Count > AwaitBehind || (outcomes.Count > 0 && outcomes.Peek().Outcome.IsCompleted))
            {
                var (done, oldest) = outcomes.Dequeue();
                progress.Count(done, await oldest.ConfigureAwait(false));
            }
        }
    }

    /// <summary>Like an application behind a balancer gated by /readyz: no request before serving has a version (version 0 at the latest).</summary>
    private async Task WaitUntilServingAsync(string model, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (registry.Peek(model) is null)
        {
            if (waited.Elapsed > ReadyTimeout)
                throw new TimeoutException($"serving loaded no version of {model} in {ReadyTimeout.TotalSeconds:F0} s; is Redis reachable (see /readyz)?");
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Records of the events and labels topics whose effect the pipeline has stored in Redis (this process's count).</summary>
    private long Stored() => (long)(features.Stored.WithLabels(Topics.Events).Value + features.Stored.WithLabels(Topics.Labels).Value);
}

/// <summary>Percentiles of a measured quantity.</summary>
internal sealed record Distribution(long Count, double P50, double P95, double Max)
{
    public static Distribution Of(List<double> values)
    {
        if (values.Count == 0) return new Distribution(0, double.NaN, double.NaN, double.NaN);
        values.Sort();
        return new Distribution(values.Count, values[(int)(0.5 * (values.Count - 1))], values[(int)(0.95 * (values.Count - 1))], values[^1]);
    }
}

/// <summary>What the application replay did: the records, the predictions, and how old the served features were.</summary>
/// <param name="Unpredicted">Departures published with no prediction, because serving had no version to answer with.</param>
/// <param name="PipelineLagMinutes">Per prediction batch: event time between the request and the newest record the pipeline had stored.</param>
/// <param name="FeatureAgeMinutes">Per view (a sample of predictions): request time minus the newest contribution to the value served.</param>
internal sealed record ApplicationReplaySummary(
    ReplaySummary Replay, DateTimeOffset LastArrival, long Predictions, long Unpredicted, long ColdStartPredictions, long LabelsWithPrediction, TimeSpan MaxLag,
    Distribution PipelineLagMinutes, IReadOnlyDictionary<string, Distribution> FeatureAgeMinutes);
