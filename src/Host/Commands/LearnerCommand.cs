using System.CommandLine;
using Streaming.Host.Web;

namespace Streaming.Host.Commands;

/// <summary>`learner`: the online learner alone, with health and metrics over HTTP.</summary>
public static class LearnerCommand
{
    public static Command Create()
    {
        var urls = CommonOptions.Urls("http://127.0.0.1:8081");
        var command = new Command("learner",
            "Learn from training-examples per micro-batch and publish model snapshots (Learner:* settings; Learner:StopWhenCaughtUp=true to stop at the end).")
        {
            urls,
        }.AcceptingConfiguration();
        command.SetAction(async (result, cancellationToken) =>
        {
            await using var app = StreamingWebApp.Build(result.ConfigurationArgs(), result.GetValue(urls)!, HostParts.Learner);
            await app.RunAsync(cancellationToken);
            return 0;
        });
        return command;
    }
}
