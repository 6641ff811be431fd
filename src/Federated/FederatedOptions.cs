using System.ComponentModel.DataAnnotations;

namespace Streaming.Federated;

/// <summary>How the federated-averaging server guards a round against bad clients.</summary>
public sealed class FederatedOptions
{
    public const string Section = "Federated";

    /// <summary>
    /// An update whose delta norm exceeds this many times the median norm of the round's well-formed updates is
    /// rejected as outlying. Relative to the round, because the size of an honest update depends on the learning rate,
    /// the features and how many examples a client holds: a fixed bound would need retuning for each.
    /// </summary>
    [Range(1.0, 1000.0)]
    public double OutlierFactor { get; set; } = 4;

    /// <summary>Accepted updates with a norm above this many times the round's median are scaled down to it (clipped).</summary>
    [Range(1.0, 1000.0)]
    public double ClipFactor { get; set; } = 2;
}
