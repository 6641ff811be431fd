using Streaming.Learning;

namespace Streaming.Federated;

/// <summary>
/// A version of the federated model as the server hands it to clients: the spec (hashing, loss, local optimizer) and
/// the dense weights, bias last. Clients must not change <see cref="Weights"/>; they train on a copy.
/// </summary>
public sealed record GlobalModel(long Version, LearnerSpec Spec, float[] Weights);
