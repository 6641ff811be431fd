using System.CommandLine;
using Streaming.Host.Cli;
using Streaming.Host.Web;

namespace Streaming.Host.Commands;

/// <summary>Options several subcommands share, defined once.</summary>
internal static class CommonOptions
{
    public static Option<string> Urls(string defaultUrls = StreamingWebApp.DefaultUrls) => new("--urls")
    {
        Description = "Where to serve HTTP.",
        DefaultValueFactory = _ => defaultUrls,
    };

    public static Option<string> Speed(string defaultValue) => new("--speed")
    {
        Description = "Replay pace: 'max', or a factor of real time such as '60x'.",
        DefaultValueFactory = _ => defaultValue,
        Validators =
        {
            result =>
            {
                if (!SpeedOption.TryParse(result.GetValueOrDefault<string>(), out _, out var error)) result.AddError(error!);
            },
        },
    };

    public static Option<long?> Limit() => new("--limit") { Description = "Replay at most this many rows." };

    public static double? ParseSpeed(string text) => SpeedOption.TryParse(text, out var speed, out _) ? speed : null;

    /// <summary>The configuration overrides given (<see cref="ConfigurationOverrides"/>), for a host builder.</summary>
    public static string[] ConfigurationArgs(this ParseResult result) => ConfigurationOverrides.Of(result);

    /// <summary>A non-HTTP host with the same configuration sources as the web host (appsettings.json beside the binary).</summary>
    public static HostApplicationBuilder CreateHostBuilder(this ParseResult result) =>
        Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = result.ConfigurationArgs(),
            ContentRootPath = AppContext.BaseDirectory,
        });
}
