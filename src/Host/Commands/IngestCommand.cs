using System.CommandLine;
using Streaming.Host.Cli;
using Streaming.Host.Web;

namespace Streaming.Host.Commands;

/// <summary>`ingest`: the HTTP ingest API alone (POST /v1/events, /v1/labels), with health and metrics.</summary>
internal static class IngestCommand
{
    public static Command Create()
    {
        var urls = CommonOptions.Urls();
        var command = new Command("ingest", "Serve the HTTP ingest API.") { urls };
        command.SetAction(async (result, cancellationToken) =>
        {
            await using var app = StreamingWebApp.Build(result.ConfigurationArgs(), result.GetValue(urls)!);
            return await HostRun.RunAsync(app, cancellationToken);
        });
        return command;
    }
}
