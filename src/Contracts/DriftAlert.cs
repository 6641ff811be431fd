namespace Streaming.Contracts;

/// <summary>
/// One drift, as operators see it on <see cref="Topics.DriftAlerts"/> (keyed by <see cref="Key"/>): a record
/// with state "open" when it is detected and one with state "resolved" when it has passed; nothing in between.
/// </summary>
/// <param name="Key">What drifted, stable across the open and resolved records: kind/model/subject/detector.</param>
/// <param name="State">"open" or "resolved".</param>
/// <param name="Kind">"concept_drift" (loss rose), "data_drift" (a feature's distribution moved) or "score_drift" (the served scores').</param>
/// <param name="Subject">The stream watched: "progressive_loss", "served_loss", a feature ("fields.log_distance") or "score".</param>
/// <param name="Detector">"adwin", "page_hinkley", or "psi_ks".</param>
/// <param name="Value">The statistic when the record was made (estimated mean loss, or PSI).</param>
/// <param name="Threshold">What it was compared with (the loss before the change, or the PSI threshold).</param>
/// <param name="Window">The data the statistic covers, in words (e.g. "last 5000 served requests").</param>
/// <param name="Since">When the drift was first detected.</param>
/// <param name="SuggestedAction">What an operator should do about it.</param>
public sealed record DriftAlert(
    string Key,
    string State,
    string Kind,
    string Model,
    long? ModelVersion,
    string Subject,
    string Detector,
    double Value,
    double Threshold,
    string Window,
    DateTimeOffset Since,
    DateTimeOffset Time,
    string SuggestedAction)
{
    public const string Open = "open";
    public const string Resolved = "resolved";
}
