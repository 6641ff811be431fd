using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Streaming.Host.Cli;
using Streaming.Host.Web;
using Streaming.Tests.Support;

namespace Streaming.Tests;

/// <summary>How the process starts and ends: settings checked before anything runs, a failed part exits non-zero and fails its probes, signals stop it cleanly.</summary>
public sealed class ProcessSemanticsTests
{
    [Theory]
    [InlineData(HostParts.Serving, "--Serving:PinPollInterval=00:00:00", "PinPollInterval")] // busy-looped before
    [InlineData(HostParts.Serving, "--Drift:CheckEvery=00:00:00", "CheckEvery")] // stopped the host later
    [InlineData(HostParts.Serving, "--Serving:Store:Timeout=00:00:00", "Timeout")] // a nested section is checked too
    [InlineData(HostParts.Features, "--Features:StreamThreads=0", "StreamThreads")]
    [InlineData(HostParts.Learner, "--Learner:BatchSize=-5", "BatchSize")]
    [InlineData(HostParts.Ingest, "--Ingest:MaxRecordBytes=2", "MaxRecordBytes")]
    public async Task A_setting_out_of_range_stops_the_start_with_a_message_naming_it_and_its_range(HostParts parts, string setting, string name)
    {
        await using var app = StreamingWebApp.Build([setting], "http://127.0.0.1:0", parts, Quiet);
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        var message = string.Join(" ", error.Failures);
        Assert.Contains(name, message);
        Assert.Contains("must be between", message);
    }

    [Fact]
    public async Task A_part_that_fails_makes_the_process_exit_non_zero_and_a_requested_stop_exits_zero()
    {
        await using (var failing = StreamingWebApp.Build([], "http://127.0.0.1:0", HostParts.Ingest, builder =>
                     {
                         Quiet(builder);
                         builder.Services.AddHostedService<FailingPart>();
                     }))
        {
            Assert.Equal(HostRun.PartFailed, await HostRun.RunAsync(failing, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1)));
        }

        await using var healthy = StreamingWebApp.Build([], "http://127.0.0.1:0", HostParts.Ingest, Quiet);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Assert.Equal(0, await HostRun.RunAsync(healthy, stop.Token).WaitAsync(TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task A_failed_part_fails_liveness_and_readiness_names_it_and_why()
    {
        // The host would stop at once; kept up here so that what a probe sees in between can be read.
        var fail = new TaskCompletionSource();
        await using var app = StreamingWebApp.Build([], "http://127.0.0.1:0", HostParts.Ingest, builder =>
        {
            Quiet(builder);
            builder.Services.Configure<HostOptions>(o => o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.Ignore);
            builder.Services.AddHostedService(_ => new FailingPart(fail.Task));
        });
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        fail.SetResult();
        await Task.Delay(300);
        foreach (var probe in new[] { "/healthz", "/readyz" })
        {
            using var response = await http.GetAsync(probe);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Contains("FailingPart failed: this part cannot go on", await response.Content.ReadAsStringAsync());
        }
        await app.StopAsync();
    }

    [Fact]
    public async Task Ctrl_c_then_sigterm_during_shutdown_stops_gracefully_and_exits_zero()
    {
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var listening = new TaskCompletionSource();
        using var process = HostProcess.Start(["ingest", "--urls", "http://127.0.0.1:0"], line =>
        {
            output.Enqueue(line);
            if (line.Contains("Application started", StringComparison.Ordinal)) listening.TrySetResult();
        });
        await listening.Task.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(0, await SignalAsync(process.Id, "INT"));
        await SignalAsync(process.Id, "TERM"); // during shutdown (or just after: the process may be gone already)
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var log = string.Join("\n", output);
        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}:\n{log}");
        Assert.DoesNotContain("Unhandled exception", log);
        Assert.Contains("Application is shutting down", log);
    }

    private static void Quiet(WebApplicationBuilder builder) => builder.Logging.SetMinimumLevel(LogLevel.Critical);

    /// <summary>Sends a signal as a terminal or a supervisor would (`kill -INT`, `kill -TERM`); the exit code of kill.</summary>
    private static async Task<int> SignalAsync(int pid, string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        return kill.ExitCode;
    }

    /// <summary>A part that fails once <paramref name="when"/> completes (by default 200 ms after it starts).</summary>
    private sealed class FailingPart(Task? when = null) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await (when ?? Task.Delay(200, stoppingToken)).WaitAsync(stoppingToken);
            throw new InvalidOperationException("this part cannot go on");
        }
    }
}
