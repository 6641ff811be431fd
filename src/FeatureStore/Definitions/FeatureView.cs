namespace Streaming.FeatureStore.Definitions;

/// <summary>
/// One declared group of per-entity features: which records (<see cref="Source"/> filtered by
/// <see cref="RecordName"/>), keyed by which entity kind, aggregated how over which event-time window.
/// The streaming topology and the offline backfill are both generated from these declarations.
/// </summary>
/// <param name="Name">Unique, lowercase with underscores: it names Redis keys, topics and stores.</param>
/// <param name="Entity">The entity kind, one of the records' keys (e.g. "origin").</param>
/// <param name="Source">Events or labels.</param>
/// <param name="RecordName">The event type or the label name that feeds this view.</param>
/// <param name="Field">The event field aggregated (a number); null for labels (their value) or for count-only views.</param>
/// <param name="Aggregations">What is computed; each one a feature named after it.</param>
/// <param name="Window">Event-time window.</param>
/// <param name="Grace">How late (behind the newest time seen) a record may arrive and still count; later ones are dead-lettered.</param>
/// <param name="Ttl">How long after its newest contribution a value is still valid; the Redis key expires then too.</param>
/// <param name="Defaults">Values used when a feature is missing or stale (0 where not given).</param>
/// <param name="DistinctOf">
/// For <see cref="Aggregation.DistinctCount"/>: the record key or field whose distinct values are counted (e.g.
/// "destination"); null counts distinct values of <paramref name="Field"/>. A view that names one aggregates
/// nothing else of its records but their count.
/// </param>
public sealed record FeatureView(
    string Name,
    string Entity,
    FeatureSource Source,
    string RecordName,
    string? Field,
    IReadOnlyList<Aggregation> Aggregations,
    WindowSpec Window,
    TimeSpan Grace,
    TimeSpan Ttl,
    IReadOnlyDictionary<Aggregation, double>? Defaults = null,
    string? DistinctOf = null)
{
    public double DefaultFor(Aggregation aggregation) =>
        Defaults is not null && Defaults.TryGetValue(aggregation, out var value) ? value : 0;

    /// <summary>The feature name a serving response and a training example use: "view.aggregation".</summary>
    public string FeatureName(Aggregation aggregation) => $"{Name}.{aggregation.Name()}";

    /// <summary>Throws when the declaration cannot work, naming what is wrong.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name) || Name.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_')))
            throw new ArgumentException($"Feature view name '{Name}' must be lowercase letters, digits and underscores.");
        if (string.IsNullOrWhiteSpace(Entity)) throw new ArgumentException($"Feature view '{Name}' names no entity key.");
        if (Aggregations.Count == 0) throw new ArgumentException($"Feature view '{Name}' computes nothing.");
        if (Source == FeatureSource.Events && Field is null && DistinctOf is null && Aggregations.Any(a => a != Aggregation.Count))
            throw new ArgumentException($"Feature view '{Name}' aggregates values but names no event field.");
        if (DistinctOf is not null && Aggregations.Any(a => a is not (Aggregation.Count or Aggregation.DistinctCount)))
            throw new ArgumentException($"Feature view '{Name}' counts distinct '{DistinctOf}' values: it can compute only count and distinct count (declare other aggregations in a view of their own).");
        if (Window.Size <= TimeSpan.Zero || Window.Advance <= TimeSpan.Zero || Window.Advance > Window.Size
            || Window.SizeMs % Window.AdvanceMs != 0)
            throw new ArgumentException($"Feature view '{Name}': window {Window} must have 0 < advance ≤ size, size a multiple of advance.");
        if (Grace < TimeSpan.Zero || Ttl <= TimeSpan.Zero) throw new ArgumentException($"Feature view '{Name}': grace must be ≥ 0 and TTL > 0.");
    }
}
