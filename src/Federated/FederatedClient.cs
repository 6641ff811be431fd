using Streaming.Contracts;
using Streaming.Learning;

namespace Streaming.Federated;

/// <summary>
/// The client side of federated averaging: start from the server's version, learn the local examples in order with the
/// version's spec, and send back only the delta, the number of examples learned and the base version.
/// </summary>
public sealed class FederatedClient(string clientId)
{
    public string ClientId { get; } = clientId;

    /// <summary>Trains on <paramref name="examples"/> from <paramref name="model"/>; examples the validator refuses are not learned or counted.</summary>
    public ModelUpdate Train(GlobalModel model, IEnumerable<TrainingExample> examples)
    {
        var local = new OnlineModel(model.Spec);
        var weights = local.Learner.Optimizer.Weights;
        model.Weights.CopyTo(weights, 0);
        long learned = 0;
        foreach (var example in examples)
            if (local.Process(example).Learned) learned++;
        var slots = new List<int>();
        var deltas = new List<float>();
        for (var slot = 0; slot < weights.Length; slot++)
        {
            var delta = weights[slot] - model.Weights[slot];
            if (delta == 0) continue;
            slots.Add(slot);
            deltas.Add(delta);
        }
        return new ModelUpdate(ClientId, model.Version, learned, [.. slots], [.. deltas]);
    }
}
