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
    PartCommand.Serve(),
    PartCommand.Lake(),
    BackfillCommand.Create(),
    RetrainCommand.Create(),
    ReplayCommand.Create(),
    BrokerCommand.Create(),
    SampleCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
