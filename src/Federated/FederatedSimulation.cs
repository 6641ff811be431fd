using Streaming.Contracts;
using Streaming.Learning;

namespace Streaming.Federated;

/// <summary>An example as a client holds it: the client it belongs to (for flights, by origin airport) and the example.</summary>
public readonly record struct ClientExample(string Client, TrainingExample Example);

/// <summary>What a simulated client that sends garbage sends, in turn, one per round.</summary>
public enum GarbageKind
{
    /// <summary>Random deltas a thousand times larger than learning would give.</summary>
    Huge,
    /// <summary>A NaN among the deltas.</summary>
    NotANumber,
    /// <summary>A plausible delta against a version the round is not at.</summary>
    StaleBase,
}

/// <summary>The outcome of a simulation: held-out loss of federated averaging beside centralized training on the same examples.</summary>
public sealed record FederatedSimulationResult(
    int Clients, int GarbageClients, int Rounds, long TrainingExamples, long HeldOutExamples,
    double FederatedLoss, double CentralizedLoss, double BaseLoss,
    IReadOnlyDictionary<string, IReadOnlyDictionary<UpdateVerdict, int>> VerdictsByClient, long FinalVersion)
{
    /// <summary>Updates by verdict over every client and round.</summary>
    public IReadOnlyDictionary<UpdateVerdict, int> Verdicts => Enum.GetValues<UpdateVerdict>()
        .ToDictionary(v => v, v => VerdictsByClient.Values.Sum(byVerdict => byVerdict.GetValueOrDefault(v)));
}

/// <summary>
/// Federated averaging over examples split across clients, in rounds over time: round r gives each client the examples
/// of its own that fall in the r-th time slice; honest clients train from the current version and send their delta,
/// garbage clients send garbage. The reference is centralized training: one learner over every honest client's training
/// examples in time order. Both are scored on the same held-out examples (every example after the training range).
/// </summary>
public static class FederatedSimulation
{
    /// <summary>
    /// Splits examples over <paramref name="clients"/> clients by a key (for flights, the origin airport): keys from the
    /// busiest down are dealt round robin, so every key's examples stay with one client and clients hold similar shares.
    /// </summary>
    public static List<ClientExample> SplitBy(IEnumerable<TrainingExample> examples, Func<TrainingExample, string> keyOf, int clients)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(clients, 1);
        var all = examples.ToList();
        var clientOfKey = all.GroupBy(keyOf).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select((group, rank) => (group.Key, Client: $"client-{rank % clients:D2}")).ToDictionary(p => p.Key, p => p.Client);
        return all.Select(e => new ClientExample(clientOfKey[keyOf(e)], e)).ToList();
    }

    public static FederatedSimulationResult Run(
        LearnerSpec spec, IReadOnlyList<ClientExample> training, IReadOnlyList<TrainingExample> heldOut, int rounds,
        IReadOnlySet<string> garbageClients, FederatedOptions options, FederatedMetrics metrics, int seed = 7,
        IProgress<int>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        var ordered = training.OrderBy(e => e.Example.Time).ToList();
        var clients = ordered.Select(e => e.Client).Distinct().Order(StringComparer.Ordinal).ToList();
        var honest = ordered.Where(e => !garbageClients.Contains(e.Client)).Select(e => e.Example).ToList();

        var initial = new GlobalModel(0, spec, new float[new LinearLearner(spec).Weights.Length]);
        var server = new FederatedAveragingServer(initial, options, metrics);
        var verdicts = clients.ToDictionary(c => c, _ => new Dictionary<UpdateVerdict, int>());
        var random = new Random(seed);
        for (var round = 0; round < rounds; round++)
        {
            var slice = ordered.GetRange(SliceStart(round), SliceStart(round + 1) - SliceStart(round))
                .GroupBy(e => e.Client).ToDictionary(g => g.Key, g => g.Select(e => e.Example).ToList());
            var model = server.Current;
            for (var c = 0; c < clients.Count; c++)
            {
                var client = clients[c];
                if (!slice.TryGetValue(client, out var examples)) continue;
                var update = new FederatedClient(client).Train(model, examples);
                if (garbageClients.Contains(client))
                    update = Garble(update, (GarbageKind)((round + c) % 3), model.Weights.Length, random);
                if (update.ExampleCount == 0) continue;
                server.Submit(update);
            }
            foreach (var (client, verdict) in server.CloseRound().Verdicts)
                verdicts[client][verdict] = verdicts[client].GetValueOrDefault(verdict) + 1;
            progress?.Report(round + 1);
        }

        var federated = new LinearLearner(spec);
        server.Current.Weights.CopyTo(federated.Optimizer.Weights, 0);
        var centralized = new OnlineModel(spec);
        foreach (var example in honest) centralized.Process(example);
        return new FederatedSimulationResult(clients.Count, garbageClients.Count(clients.Contains), rounds, ordered.Count, heldOut.Count,
            federated.MeanLoss(heldOut), centralized.Learner.MeanLoss(heldOut), new LinearLearner(spec).MeanLoss(heldOut),
            verdicts.ToDictionary(p => p.Key, p => (IReadOnlyDictionary<UpdateVerdict, int>)p.Value), server.Current.Version);

        // Round r's slice of the time-ordered examples starts here: equal shares, the last one ending at the end.
        int SliceStart(int r) => (int)((long)ordered.Count * r / rounds);
    }

    private static ModelUpdate Garble(ModelUpdate update, GarbageKind kind, int slots, Random random)
    {
        switch (kind)
        {
            case GarbageKind.Huge:
                var deltas = update.Deltas.Select(_ => (float)((random.NextDouble() - 0.5) * 1000)).ToArray();
                return update with { Deltas = deltas };
            case GarbageKind.NotANumber:
                var poisoned = (float[])update.Deltas.Clone();
                if (poisoned.Length > 0) poisoned[random.Next(poisoned.Length)] = float.NaN;
                else return update with { Slots = [slots], Deltas = [1f] };
                return update with { Deltas = poisoned };
            default:
                return update with { BaseVersion = update.BaseVersion - 1 };
        }
    }
}
