using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using Streaming.Testing;

namespace Streaming.Tests.Docs;

/// <summary>
/// docs/configuration.md against the options classes: every bindable setting of every section (a class with a
/// <c>Section</c> constant) is documented, and every documented key exists, so the page cannot drift from the code.
/// </summary>
public sealed partial class ConfigurationDocTests
{
    private static readonly string Page = Path.Combine(Repository.Root, "docs", "configuration.md");

    [Fact]
    public void Every_option_is_documented_and_every_documented_key_is_an_option()
    {
        var options = OptionKeys().ToHashSet(StringComparer.Ordinal);
        var documented = DocumentedKeys(File.ReadAllLines(Page)).ToList();
        Assert.True(options.Count > 100, $"only {options.Count} options found: is the assembly scan still finding the sections?");

        var undocumented = options.Where(key => !documented.Any(d => Covers(d, key))).Order().ToList();
        Assert.True(undocumented.Count == 0, "Add these settings to docs/configuration.md (key, default, meaning): " + string.Join(", ", undocumented));
        var unknown = documented.Where(d => !options.Any(key => Covers(d, key))).ToList();
        Assert.True(unknown.Count == 0, "docs/configuration.md documents settings no options class has: " + string.Join(", ", unknown));
    }

    /// <summary>A documented key covers a setting when they are equal, or when it ends in * and the setting starts with what comes before.</summary>
    private static bool Covers(string documented, string key) =>
        documented.EndsWith('*') ? key.StartsWith(documented[..^1], StringComparison.Ordinal) : documented == key;

    /// <summary>
    /// The first cell of every table row: `Section:Key`, then `Other` siblings sharing its prefix (`Ingest:MaxFutureSkew` / `MaxEventAge`).
    /// </summary>
    private static IEnumerable<string> DocumentedKeys(IEnumerable<string> lines)
    {
        foreach (var line in lines.Where(l => l.StartsWith("| `", StringComparison.Ordinal)))
        {
            var prefix = "";
            foreach (Match token in Backticked().Matches(line.Split('|')[1]))
            {
                var key = token.Groups[1].Value;
                if (key.Contains(':')) prefix = key[..(key.LastIndexOf(':') + 1)];
                else key = prefix + key;
                yield return key;
            }
        }
    }

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Backticked();

    private static IEnumerable<string> OptionKeys()
    {
        var folder = AppContext.BaseDirectory;
        var sections = Directory.GetFiles(folder, "Streaming.*.dll").Append(Path.Combine(folder, "streaming.dll"))
            .Where(File.Exists)
            .Select(Assembly.LoadFrom)
            .SelectMany(a => a.GetTypes())
            .Where(t => t.IsClass && t.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true })
            .DistinctBy(t => t.FullName);
        return sections.SelectMany(t => Keys((string)t.GetField("Section")!.GetRawConstantValue()!, t, 0));
    }

    private static IEnumerable<string> Keys(string prefix, Type type, int depth)
    {
        if (depth > 4) yield break;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.SetMethod!.IsPublic))
        {
            var key = prefix + ":" + property.Name;
            var kind = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (IsScalar(kind)) yield return key;
            else if (kind.IsGenericType && kind.GetGenericTypeDefinition() is var definition && (definition == typeof(Dictionary<,>) || definition == typeof(IDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>)))
                yield return key + ":*";
            else if (ElementOf(kind) is { } element)
            {
                if (IsScalar(element) || ElementOf(element) is { } inner && IsScalar(inner)) yield return key;
                else foreach (var nested in Keys(key + ":N", element, depth + 1)) yield return nested;
            }
            else foreach (var nested in Keys(key, kind, depth + 1)) yield return nested;
        }
    }

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan) || type == typeof(DateTimeOffset) || type == typeof(Uri);

    private static Type? ElementOf(Type type) =>
        type.IsArray ? type.GetElementType()
        : type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type) && type.IsGenericType ? type.GetGenericArguments()[0]
        : null;
}
