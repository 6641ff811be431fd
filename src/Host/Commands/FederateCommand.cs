using System.CommandLine;
using Prometheus;
using Streaming.Federated;
using Streaming.Flights;
using Streaming.Host.Cli;
using Streaming.OnlineLearner;

namespace Streaming.Host.Commands;

/// <summary>
/// `federate`: federated averaging simulated over flights split by origin airport, some clients sending garbage, beside
/// centralized training on the same examples; both scored on the last part of the time range.
/// </summary>
internal static class FederateCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "A flights Parquet file.", DefaultValueFactory = _ => DemoCommand.DefaultDataPath };
        var rows = new Option<long?>("--rows") { Description = "Rows to read (default: all)." };
        var clients = new Option<int>("--clients") { Description = "Clients; the origin airports are dealt over them.", DefaultValueFactory = _ => 10 };
        var garbage = new Option<int>("--garbage") { Description = "How many of the clients send garbage (huge, NaN or stale-base updates, in turn).", DefaultValueFactory = _ => 2 };
        var rounds = new Option<int>("--rounds") { Description = "Averaging rounds over the training range.", DefaultValueFactory = _ => 20 };
        var rate = new Option<double>("--rate") { Description = "The clients' SGD learning rate (0.01 measured best on the sample).", DefaultValueFactory = _ => 0.01 };
        var heldOut = new Option<double>("--holdout") { Description = "Share of the examples, the latest, held out for scoring.", DefaultValueFactory = _ => 0.2 };
        var command = new Command("federate", "Simulate federated averaging over flights split by origin airport; loss beside centralized training.")
        {
            data, rows, clients, garbage, rounds, rate, heldOut,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var path = result.GetValue(data)!;
            if (!File.Exists(path))
            {
                Console.Error.WriteLine($"No flights file at {path}; pass --data <flights.parquet>.");
                return 2;
            }
            var (clientCount, garbageCount, roundCount, share) = (result.GetValue(clients), result.GetValue(garbage), result.GetValue(rounds), result.GetValue(heldOut));
            if (clientCount < 1 || garbageCount < 0 || garbageCount >= clientCount || roundCount < 1 || share is <= 0 or >= 1 || !(result.GetValue(rate) > 0))
            {
                Console.Error.WriteLine("Need --clients ≥ 1, 0 ≤ --garbage < --clients, --rounds ≥ 1, --rate > 0 and 0 < --holdout < 1.");
                return 2;
            }
            var builder = result.CreateHostBuilder();
            var learner = builder.Configuration.GetSection(LearnerOptions.Section).Get<LearnerOptions>() ?? new LearnerOptions();
            var options = builder.Configuration.GetSection(FederatedOptions.Section).Get<FederatedOptions>() ?? new FederatedOptions();
            // Plain SGD, whose whole state is its weights (see FederatedAveragingServer), with the configured hashing and target.
            var spec = learner.Spec with { Optimizer = "sgd", LearningRate = result.GetValue(rate), L1 = 0, L2 = 0 };

            Console.Error.WriteLine($"Reading flights from {path}...");
            var examples = new List<Contracts.TrainingExample>();
            await foreach (var example in FlightTrainingExamples.ReadAsync(path, result.GetValue(rows), cancellationToken)) examples.Add(example);
            examples.Sort((a, b) => a.Time.CompareTo(b.Time));
            var split = (int)(examples.Count * (1 - share));
            var training = FederatedSimulation.SplitBy(examples.Take(split), e => e.Features["origin"]["id"].ToString(), clientCount);
            var garbageClients = Enumerable.Range(clientCount - garbageCount, garbageCount).Select(i => $"client-{i:D2}").ToHashSet();

            var registry = Metrics.NewCustomRegistry();
            var done = 0;
            FederatedSimulationResult outcome;
            await using (new ConsoleProgress("federated rounds", () => (Volatile.Read(ref done), roundCount, "")))
            {
                var progress = new Progress<int>(round => Volatile.Write(ref done, round));
                outcome = await Task.Run(() => FederatedSimulation.Run(spec, training, examples.Skip(split).ToList(), roundCount, garbageClients, options,
                    new FederatedMetrics(registry), progress: progress), cancellationToken);
            }
            Console.WriteLine($"Federated averaging: {outcome.Clients} clients by origin airport ({outcome.GarbageClients} sending garbage), {outcome.Rounds} rounds, " +
                              $"{outcome.TrainingExamples:N0} training examples, {outcome.HeldOutExamples:N0} held out; final version v{outcome.FinalVersion}");
            Console.WriteLine("  updates: " + string.Join(", ", outcome.Verdicts.Where(v => v.Value > 0).Select(v => $"{v.Key} {v.Value}")));
            Console.WriteLine($"  held-out log loss: federated {outcome.FederatedLoss:F4}, centralized {outcome.CentralizedLoss:F4} (honest clients' examples, one pass), zero weights {outcome.BaseLoss:F4}");
            return 0;
        });
        return command;
    }
}
