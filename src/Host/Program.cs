using System.CommandLine;
using Streaming.Host.Commands;

// One executable, one subcommand per part, so each can run as its own process or all together (`demo`).
// Configuration overrides pass through any subcommand: --Kafka:BootstrapServers=host:9092 or Kafka__BootstrapServers.
var root = new RootCommand("Streaming online-learning service: ingest, features, learner and serving over Kafka and Redis.")
{
    DemoCommand.Create(),
    IngestCommand.Create(),
    PartCommand.Features(),
    PartCommand.Learner(),
    PartCommand.ParameterServer(),
    PartCommand.LearnerWorker(),
    PartCommand.Serve(),
    PartCommand.Lake(),
    BackfillCommand.Create(),
    RetrainCommand.Create(),
    FederateCommand.Create(),
    ReplayCommand.Create(),
    BrokerCommand.Create(),
    SampleCommand.Create(),
    Streaming.Host.Cli.ConfigurationOverrides.Set,
};
try
{
    // The host handles Ctrl+C and SIGTERM itself (graceful stop within its timeout); System.CommandLine's own
    // handler would race it and threw on a second signal during shutdown.
    return await root.Parse(Streaming.Host.Cli.ConfigurationOverrides.Rewrite(args)).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
}
catch (Microsoft.Extensions.Options.OptionsValidationException e)
{
    return Streaming.Host.Cli.HostRun.ConfigurationInvalid(e.Failures);
}
catch (InvalidOperationException e) when (e.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
{
    // The binder's own words name the key and the type (e.g. an enum such as Serving:Device given 'gpu').
    return Streaming.Host.Cli.HostRun.ConfigurationInvalid([e.Message]);
}
catch (Exception e) when (e is not OperationCanceledException)
{
    Console.Error.WriteLine($"Failed: {e}");
    return 1;
}
