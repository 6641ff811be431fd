using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Streaming.Serving.Prediction;

/// <summary>
/// Single predictions (POST .../predict), either each on its own or, with Serving:MicroBatch:MaxRows above 1,
/// coalesced: concurrent requests queue, and a few workers each take what has queued (up to MaxRows, after
/// waiting up to MaxWait for more) into one <see cref="Predictor.PredictAsync"/> call, so many requests share
/// one Redis round trip, one version lease and one model call. Requests are validated before they queue,
/// so a bad one never fails a batch; each caller gets its own row's answer.
/// </summary>
internal sealed class MicroBatcher(Predictor predictor, ServingOptions options, ILogger<MicroBatcher> logger) : BackgroundService
{
    private readonly MicroBatchOptions _options = options.MicroBatch;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleWriter = false });

    /// <summary>The prediction for one validated request; null when no version of the model is loaded yet.</summary>
    public async Task<PredictionResponse?> PredictAsync(string model, PredictionRequest request)
    {
        if (!_options.Enabled) return (await predictor.PredictAsync(model, [request]))?[0];
        // Completed by a worker: the caller's continuation (writing its response) must not run on the worker.
        var pending = new Pending(model, request, new TaskCompletionSource<PredictionResponse?>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending)) throw new OperationCanceledException("Serving is shutting down.");
        return await pending.Done.Task;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled) return;
        logger.LogInformation("Micro-batching single predictions: up to {MaxRows} rows, waiting up to {MaxWait} for more, {Workers} batches in flight",
            _options.MaxRows, _options.MaxWait, _options.Workers);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, Math.Max(1, _options.Workers)).Select(_ => WorkAsync(stoppingToken)));
        }
        finally
        {
            _queue.Writer.TryComplete();
            while (_queue.Reader.TryRead(out var left)) left.Done.TrySetCanceled(stoppingToken);
        }
    }

    private async Task WorkAsync(CancellationToken stop)
    {
        var batch = new List<Pending>(_options.MaxRows);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stop))
            {
                if (_options.MaxWait > TimeSpan.Zero) await Task.Delay(_options.MaxWait, stop);
                while (batch.Count < _options.MaxRows && _queue.Reader.TryRead(out var pending)) batch.Add(pending);
                // A batch holds one model's rows; another model's requests go in a batch of their own.
                foreach (var rows in batch.GroupBy(p => p.Model)) await PredictTogetherAsync(rows.Key, rows.ToList());
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            foreach (var pending in batch) pending.Done.TrySetCanceled(stop);
        }
    }

    private async Task PredictTogetherAsync(string model, List<Pending> rows)
    {
        try
        {
            var responses = await predictor.PredictAsync(model, rows.Select(p => p.Request).ToList());
            for (var i = 0; i < rows.Count; i++) rows[i].Done.TrySetResult(responses?[i]);
        }
        catch (Exception e)
        {
            // As if each request had failed on its own: the callers' error handling answers them.
            foreach (var pending in rows) pending.Done.TrySetException(e);
        }
    }

    private sealed record Pending(string Model, PredictionRequest Request, TaskCompletionSource<PredictionResponse?> Done);
}
