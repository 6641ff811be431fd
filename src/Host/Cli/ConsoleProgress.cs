using Spectre.Console;

namespace Streaming.Host.Cli;

/// <summary>
/// A progress bar on standard error for a long-running command (Spectre.Console's): redrawn in place on a terminal,
/// plain lines when the output is redirected (CI logs stay readable). Standard output keeps only the results.
/// Reads its figures from a callback (another thread's live counters) until disposed.
/// </summary>
internal sealed class ConsoleProgress : IAsyncDisposable
{
    private readonly Func<(long Done, long? Total, string Detail)> _read;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _display;

    public ConsoleProgress(string label, Func<(long Done, long? Total, string Detail)> read)
    {
        _read = read;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        _display = console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(context => ShowAsync(context.AddTask(label), label));
    }

    private async Task ShowAsync(ProgressTask task, string label)
    {
        var started = DateTime.UtcNow;
        while (true)
        {
            var stopping = _stop.IsCancellationRequested;
            var (done, total, detail) = _read();
            var rate = done / Math.Max((DateTime.UtcNow - started).TotalSeconds, 1e-3);
            // Without a total the bar is indeterminate and its value stays 0: a value at the maximum would finish the task.
            task.IsIndeterminate = total is not > 0;
            if (total is > 0 and var t)
            {
                task.MaxValue = t;
                task.Value = Math.Min(done, t);
            }
            task.Description = Markup.Escape($"{label} {done:N0}{(total is > 0 ? $"/{total:N0}" : "")} ({rate:N0}/s) {detail}");
            if (stopping)
            {
                task.StopTask();
                return;
            }
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // One last reading with the final figures, then the bar stops.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _display.ConfigureAwait(false);
        _stop.Dispose();
    }
}
