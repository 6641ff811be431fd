using System.Text;

namespace Streaming.Contracts;

/// <summary>One canonical string for a set of entity keys, independent of the order they were given in.</summary>
public static class EntityKey
{
    public static string Canonical(IEnumerable<KeyValuePair<string, string>> keys)
    {
        var builder = new StringBuilder();
        foreach (var (name, value) in keys.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            if (builder.Length > 0) builder.Append('|');
            builder.Append(name).Append('=').Append(value);
        }
        return builder.ToString();
    }
}
