using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Streaming.Host.Cli;
using Streaming.Host.Web;

namespace Streaming.Tests;

/// <summary>How the process starts and ends: settings checked before anything runs, a failed part exits non-zero.</summary>
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

    private static void Quiet(WebApplicationBuilder builder) => builder.Logging.SetMinimumLevel(LogLevel.Critical);

    private sealed class FailingPart : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Delay(200, stoppingToken);
            throw new InvalidOperationException("this part cannot go on");
        }
    }
}
