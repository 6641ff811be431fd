using System.CommandLine;
using Streaming.Host.Cli;
using Streaming.Host.Demo;
using Streaming.Host.Web;

namespace Streaming.Host.Commands;

/// <summary>`demo`: every component built so far on embedded Kafka and Redis, fed by a replay of the flights data.</summary>
internal static class DemoCommand
{
    /// <summary>
    /// How far behind a prediction the features may be, in event time. The replay runs thousands of times faster than
    /// the flights flew, so each wait for the pipeline costs tens of milliseconds of wall time per few minutes of event
    /// time; see README (demo) for the measured trade-off.
    /// </summary>
    public static readonly TimeSpan DefaultMaxLag = TimeSpan.FromMinutes(15);

    public static string DefaultDataPath => Path.Combine(AppContext.BaseDirectory, "data", "flights-sample.parquet");

    /// <summary>
    /// The demo's own defaults over appsettings.json: a second learner (FTRL, the default before, beside the configured
    /// SGD) served as a model of its own, the A/B rollout between the two that the demo sets at start (Demo:Rollout), and
    /// a feature pipeline tuned for freshness over throughput (3 ms fetch wait, 5 ms flushes): the replay waits on it
    /// before every prediction (docs/demo.md).
    /// </summary>
    public const string ConfigurationLayer = "demo.json";

    /// <summary>The demo host: the HTTP host plus a replay of <paramref name="settings"/>' dataset.</summary>
    public static WebApplication BuildApp(DemoSettings settings, DemoOutcome outcome, string[] configurationArgs, string urls) =>
        StreamingWebApp.Build(configurationArgs, urls, HostParts.All, builder =>
        {
            builder.Services.AddSingleton(settings);
            builder.Services.AddSingleton(outcome);
            builder.Services.AddSingleton<ApplicationReplay>();
            builder.Services.AddHostedService<DemoReplayService>();
        }, ConfigurationLayer);

    public static Command Create()
    {
        var once = new Option<bool>("--once") { Description = "Replay, print a summary and exit (0 when every record was stored)." };
        var data = new Option<string>("--data")
        {
            Description = "Flights Parquet to replay (e.g. the full flights-3m.parquet); `replay` also takes JSON/NDJSON events.",
            DefaultValueFactory = _ => DefaultDataPath,
        };
        var maxLag = new Option<TimeSpan>("--max-lag")
        {
            Description = "Event time the features served may lag a prediction: before predicting at time t the replay waits until the pipeline stored every record up to t minus this.",
            DefaultValueFactory = _ => DefaultMaxLag,
        };
        var urls = CommonOptions.Urls();
        var speed = CommonOptions.Speed("max");
        var limit = CommonOptions.Limit();
        var command = new Command("demo", "Run the whole service on embedded Kafka and Redis and replay the flights data into it.")
        {
            once, data, urls, speed, limit, maxLag,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var settings = new DemoSettings(ResolveDataPath(result.GetValue(data)!), CommonOptions.ParseSpeed(result.GetValue(speed)!), result.GetValue(limit), result.GetValue(once), result.GetValue(maxLag));
            var outcome = new DemoOutcome();
            await using var app = BuildApp(settings, outcome, result.ConfigurationArgs(), result.GetValue(urls)!);
            var exit = await HostRun.RunAsync(app, cancellationToken);
            // Without --once the host runs until Ctrl+C: stopping then is the normal end.
            return exit != 0 ? exit : settings.Once ? outcome.ExitCode : 0;
        });
        return command;
    }

    /// <summary>
    /// A relative path as given, or, when it is not there, relative to the nearest directory above the working one where
    /// it is: `dotnet run --project src/Host` runs in the project's directory, not where the command was typed.
    /// </summary>
    public static string ResolveDataPath(string path)
    {
        if (Path.IsPathRooted(path) || File.Exists(path)) return path;
        for (var directory = new DirectoryInfo(Directory.GetCurrentDirectory()).Parent; directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, path);
            if (File.Exists(candidate)) return Path.GetFullPath(candidate);
        }
        return path;
    }
}
