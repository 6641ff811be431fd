using System.CommandLine;
using Streaming.Host.Cli;
using Streaming.Host.Web;

namespace Streaming.Host.Commands;

/// <summary>A command that runs one part of the service alone, with health and metrics over HTTP.</summary>
internal static class PartCommand
{
    public static Command Learner() => Create("learner", HostParts.Learner, "http://127.0.0.1:8081",
        "Learn from training-examples per micro-batch and publish model snapshots (Learner:* settings; Learner:StopWhenCaughtUp=true to stop at the end).");

    public static Command Features() => Create("features", HostParts.Features, "http://127.0.0.1:8082",
        "Compute the streaming features: Redis online store, training-examples for the learner (Features:* settings; Features:Guarantee=exactly_once).");

    public static Command Serve() => Create("serve", HostParts.Serving, "http://127.0.0.1:8083",
        "Answer predictions: POST /v1/models/{name}/predict, hot-swapping snapshots as the learner publishes them (Serving:* settings; Serving:Device=auto|cuda|cpu).");

    public static Command Lake() => Create("lake", HostParts.Lake, "http://127.0.0.1:8084",
        "Archive events, labels and predictions into the Parquet lake, partitioned by date and hour, exactly once (Lake:* settings).");

    public static Command ParameterServer() => Create("parameter-server", HostParts.ParameterServer, "http://127.0.0.1:8085",
        "Data-parallel learning: close each synchronous round of the learner workers into a new version of DataParallel:Model, sharded on Redis and saved as a snapshot (DataParallel:* settings).");

    public static Command LearnerWorker() => Create("learner-worker", HostParts.LearnerWorker, "http://127.0.0.1:8086",
        "Data-parallel learning: one worker of DataParallel:Model, learning its share of the training-examples partitions for the parameter server's rounds.");

    private static Command Create(string name, HostParts part, string defaultUrls, string description)
    {
        var urls = CommonOptions.Urls(defaultUrls);
        var command = new Command(name, description) { urls };
        command.SetAction(async (result, cancellationToken) =>
        {
            await using var app = StreamingWebApp.Build(result.ConfigurationArgs(), result.GetValue(urls)!, part);
            return await HostRun.RunAsync(app, cancellationToken);
        });
        return command;
    }
}
