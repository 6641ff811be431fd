using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using Streaming.Contracts;
using Streaming.Tests.Support;

namespace Streaming.Tests.Serving;

/// <summary>
/// /status rendered by headless Chromium (Debian's chromium; .ci/run installs it): the DOM has the loss plot, the
/// open alert and the freshness table, and the screenshot is a real page. Skipped where Chromium is not
/// installed, except in CI, where that is a failure.
/// </summary>
public sealed partial class StatusPageTests
{
    private const string Chromium = "/usr/bin/chromium";

    [SkippableFact]
    public async Task The_status_page_shows_versions_with_their_loss_open_alerts_and_freshness_in_chromium()
    {
        InstalledTool.Require("chromium", "chromium");
        await using var serving = await ServingHost.StartAsync();
        var examples = await TrainingExampleStream.FlightsAsync(3_000);
        for (var version = 1; version <= 3; version++) await serving.PublishAsync(SnapshotFactory.Train(examples.Take(version * 1_000)), version);
        await serving.WaitForVersionAsync(3);
        for (var i = 0; i < 5; i++)
            (await serving.PostJsonAsync($"/v1/models/{ServingHost.Model}/predict", """{"keys":{"origin":"SFO","route":"SFO-LAX"}}""")).EnsureSuccessStatusCode();
        var alert = new DriftAlert("concept_drift/flights-delay/progressive_loss/adwin", DriftAlert.Open, "concept_drift", ServingHost.Model, 3,
            "progressive_loss", "adwin", 0.61, 0.48, "last 4096 examples", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, "Roll back if it got worse.");
        await serving.Announcer.ProduceAsync(Topics.DriftAlerts, new Message<string?, byte[]>
        {
            Key = alert.Key,
            Value = JsonSerializer.SerializeToUtf8Bytes(alert, ContractsJsonContext.Default.DriftAlert),
        });
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!(await serving.Http.GetStringAsync("/status")).Contains("Open drift alerts: 1") && DateTime.UtcNow < deadline) await Task.Delay(100);

        var url = new Uri(serving.Http.BaseAddress!, "/status").ToString();
        var dom = RunChromium("--dump-dom", url);
        var plot = LossPlot().Match(dom);
        Assert.True(plot.Success, "no loss plot in the rendered page");
        Assert.Equal(3, plot.Groups["points"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length); // one point per version
        Assert.Contains("Serving <b>v3</b>", dom);
        Assert.Contains("Open drift alerts: 1", dom);
        Assert.Contains("progressive_loss", dom);
        Assert.Contains("origin_departures_1h", dom); // freshness of the views the predictions read

        var screenshot = Path.Combine(Path.GetTempPath(), $"status-{Guid.NewGuid():N}.png");
        try
        {
            RunChromium($"--screenshot={screenshot}", url);
            var png = await File.ReadAllBytesAsync(screenshot);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
            Assert.Equal(1280, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4))); // IHDR width and height
            Assert.Equal(1000, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4)));
            Assert.True(png.Length > 20_000, $"{png.Length} bytes: a blank page compresses to a few kB");
        }
        finally
        {
            File.Delete(screenshot);
        }
    }

    private static string RunChromium(string action, string url)
    {
        var profile = Directory.CreateTempSubdirectory("chromium-");
        try
        {
            var start = new ProcessStartInfo(Chromium) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync", $"--user-data-dir={profile.FullName}",
                         "--window-size=1280,1000", "--hide-scrollbars", action, url])
                start.ArgumentList.Add(argument);
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(60_000), "chromium did not finish within a minute");
            Assert.True(process.ExitCode == 0, errors.Result);
            return output.Result;
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    [GeneratedRegex("<svg id=\"loss-flights-delay\".*?<polyline[^>]*points=\"(?<points>[^\"]*)\"", RegexOptions.Singleline)]
    private static partial Regex LossPlot();
}
