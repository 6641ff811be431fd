using System.CommandLine;

namespace Streaming.Host.Cli;

/// <summary>
/// Configuration overrides on the command line: --Section:Key=value (or --Section:Key value), the form ASP.NET Core's
/// configuration reads, which this rewrites to the one option <c>--set Section:Key=value</c> before parsing. Every
/// other token then has to be an option of the command, so a misspelt one (--limt 10) is an error with a suggestion
/// rather than an override nobody reads.
/// </summary>
internal static class ConfigurationOverrides
{
    public static readonly Option<string[]> Set = new("--set")
    {
        Description = "A configuration override, Section:Key=value; also written --Section:Key=value (e.g. --Kafka:BootstrapServers=host:9092).",
        Recursive = true,
        Arity = ArgumentArity.ZeroOrMore,
        Validators =
        {
            result =>
            {
                foreach (var token in result.Tokens.Where(t => !t.Value.Contains('=') || t.Value.IndexOf(':') is < 1))
                    result.AddError($"'{token.Value}' is not a configuration override: write Section:Key=value.");
            },
        },
    };

    public static string[] Rewrite(IReadOnlyList<string> args)
    {
        var rewritten = new List<string>(args.Count);
        for (var i = 0; i < args.Count; i++)
        {
            var token = args[i];
            if (token == "--")
            {
                rewritten.AddRange(args.Skip(i));
                break;
            }
            var name = token.StartsWith("--", StringComparison.Ordinal) ? token[2..].Split('=', 2)[0] : "";
            if (!name.Contains(':') || name.StartsWith(':'))
            {
                rewritten.Add(token);
                continue;
            }
            rewritten.Add(Set.Name);
            if (token.Contains('=')) rewritten.Add(token[2..]);
            else if (i + 1 < args.Count) rewritten.Add(name + "=" + args[++i]);
            else rewritten.Add(name);
        }
        return [.. rewritten];
    }

    /// <summary>The overrides given, as configuration arguments (--Section:Key=value) for a host builder.</summary>
    public static string[] Of(ParseResult result) => result.GetValue(Set) is { } values ? [.. values.Select(v => "--" + v)] : [];
}
