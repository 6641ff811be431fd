using System.Diagnostics;
using System.Globalization;

namespace Streaming.Host.Cli;

/// <summary>
/// A progress bar on standard error for long-running commands: redrawn in place on a terminal, a plain
/// line every few seconds when the output is redirected (CI logs stay readable).
/// </summary>
public sealed class ConsoleProgress : IAsyncDisposable
{
    private readonly Func<(long Done, long? Total, string Detail)> _read;
    private readonly string _label;
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public ConsoleProgress(string label, Func<(long Done, long? Total, string Detail)> read)
    {
        _label = label;
        _read = read;
        _loop = RunAsync();
    }

    private async Task RunAsync()
    {
        var period = _interactive ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromSeconds(5);
        try
        {
            while (true)
            {
                await Task.Delay(period, _stop.Token).ConfigureAwait(false);
                Draw(final: false);
            }
        }
        catch (OperationCanceledException)
        {
            Draw(final: true);
        }
    }

    private void Draw(bool final)
    {
        var (done, total, detail) = _read();
        var seconds = Math.Max(_clock.Elapsed.TotalSeconds, 1e-3);
        var rate = done / seconds;
        string bar;
        if (total is > 0 and var t)
        {
            var fraction = Math.Clamp(done / (double)t, 0, 1);
            var filled = (int)(fraction * 30);
            var eta = rate > 0 ? TimeSpan.FromSeconds((t - done) / rate) : TimeSpan.Zero;
            bar = string.Create(CultureInfo.InvariantCulture,
                $"[{new string('#', filled)}{new string('.', 30 - filled)}] {fraction,4:P0} {done:N0}/{t:N0} {rate:N0}/s ETA {eta:mm\\:ss}");
        }
        else
        {
            bar = string.Create(CultureInfo.InvariantCulture, $"{done:N0} {rate:N0}/s");
        }
        var line = $"{_label} {bar} {detail}";
        if (_interactive) Console.Error.Write($"\r{line}\u001b[K{(final ? Environment.NewLine : string.Empty)}");
        else Console.Error.WriteLine(line);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
