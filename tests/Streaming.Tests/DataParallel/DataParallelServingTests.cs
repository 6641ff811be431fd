using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Streaming.Platform.Redis;
using Streaming.Testing;
using Streaming.Tests.Serving;
using Streaming.Tests.Support;
using Xunit.Abstractions;

namespace Streaming.Tests.DataParallel;

/// <summary>
/// A serving node follows a data-parallel model like any other: the parameter server's versions go to the same model
/// store in the same snapshot format, so a node configured with its name loads the newest and answers with it.
/// </summary>
public sealed class DataParallelServingTests(ITestOutputHelper output)
{
    private const string Model = "flights-delay-dp";

    [Fact]
    public async Task A_serving_node_answers_with_the_newest_version_the_parameter_server_published()
    {
        await using var serving = await ServingHost.StartAsync("--Serving:Models:0=" + Model);
        var bootstrap = serving.Host.Bootstrap;
        var redis = serving.Host.Services.GetRequiredService<EmbeddedGarnet>().Endpoint;
        var examples = await TrainingExampleStream.FlightsAsync(4_000);
        TrainingExamplePublisher.Publish(bootstrap, examples.Select(TrainingExampleStream.Json));

        string[] settings =
        [
            "--urls", "http://127.0.0.1:0", $"--Kafka:BootstrapServers={bootstrap}", $"--Redis:Configuration={redis}",
            $"--DataParallel:Model={Model}", "--DataParallel:StopWhenCaughtUp=true", "--DataParallel:Spec:Bits=16",
            "--DataParallel:RoundExamples=500", "--DataParallel:IdleWait=00:00:00.200", "--Logging:LogLevel:Default=Warning",
        ];
        using var server = HostProcess.Start(["parameter-server", .. settings], line => output.WriteLine($"[parameter-server] {line}"));
        using var worker = HostProcess.Start(["learner-worker", .. settings], line => output.WriteLine($"[learner-worker] {line}"));
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await server.WaitForExitAsync(timeout.Token);
            await worker.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, server.ExitCode);
            Assert.Equal(0, worker.ExitCode);
        }
        finally
        {
            foreach (var process in new[] { server, worker }) if (!process.HasExited) process.Kill(entireProcessTree: true);
        }

        var latest = (await serving.Store.LatestAsync(Model, CancellationToken.None))!;
        Assert.Equal(examples.Count, latest.Manifest.Metrics.Examples); // the version that learned them all
        JsonElement answer = default;
        await Eventually.TrueAsync(async () =>
        {
            using var response = await serving.PostJsonAsync($"/v1/models/{Model}/predict", """{"keys":{"origin":"SFO","destination":"LAX"}}""");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            return answer.GetProperty("modelVersion").GetInt64() == latest.Manifest.Version;
        }, TimeSpan.FromSeconds(20), $"{Model} v{latest.Manifest.Version} served");
        Assert.Equal(latest.Manifest.Version, answer.GetProperty("modelVersion").GetInt64());
        Assert.False(answer.TryGetProperty("coldStart", out _));
        var score = answer.GetProperty("score").GetDouble();
        Assert.InRange(score, 0, 1);
        Assert.NotEqual(0.5, score, 6); // learned weights, not version 0's zeros
    }
}
