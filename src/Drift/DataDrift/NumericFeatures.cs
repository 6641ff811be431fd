using System.Collections.Concurrent;
using Streaming.Contracts;

namespace Streaming.Drift.DataDrift;

/// <summary>
/// The numeric features of a model input, named "namespace.name": the names under which a snapshot's reference profile
/// stores them and under which serving compares what it is served. One definition, so the two always line up.
/// </summary>
public static class NumericFeatures
{
    private const int MaxCachedNames = 100_000;
    private static readonly ConcurrentDictionary<(string Namespace, string Name), string> Names = new();

    public static IEnumerable<(string Name, double Value)> Of(IReadOnlyDictionary<string, IReadOnlyDictionary<string, FieldValue>> features)
    {
        foreach (var (ns, values) in features)
            foreach (var (name, value) in values)
                if (value.Kind == FieldKind.Number) yield return (NameOf(ns, name), value.Number);
    }

    /// <summary>
    /// Joined once per (namespace, name): the learner for every example and serving for every request would otherwise
    /// build the same strings again. Bounded, like the feature hasher's cache, against unbounded vocabularies.
    /// </summary>
    private static string NameOf(string ns, string name)
    {
        if (Names.Count > MaxCachedNames) Names.Clear();
        return Names.GetOrAdd((ns, name), static key => $"{key.Namespace}.{key.Name}");
    }
}
