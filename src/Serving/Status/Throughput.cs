using Microsoft.Extensions.Hosting;

namespace Streaming.Serving.Status;

/// <summary>Predictions per second over the last minute, sampled every second (for the status page).</summary>
public sealed class Throughput(TimeProvider clock) : BackgroundService
{
    private readonly double[] _perSecond = new double[60];
    private long _count, _lastCount, _samples;

    public void Add(int predictions) => Interlocked.Add(ref _count, predictions);

    /// <summary>Oldest first.</summary>
    public IReadOnlyList<double> LastMinute
    {
        get
        {
            lock (_perSecond)
            {
                var n = (int)Math.Min(_samples, _perSecond.Length);
                return Enumerable.Range(0, n).Select(i => _perSecond[(_samples - n + i) % _perSecond.Length]).ToList();
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var count = Interlocked.Read(ref _count);
                lock (_perSecond) _perSecond[_samples++ % _perSecond.Length] = count - _lastCount;
                _lastCount = count;
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }
}
