using System.IO.Hashing;
using System.Text;
using Streaming.Contracts;

namespace Streaming.Serving.Rollouts;

/// <summary>
/// Which arm of a rollout answers a request: a bucket in [0, 10000) from a hash of its sticky key (XxHash3 of the
/// UTF-8 text, seed 0), the same on every node, in every process and after every restart; challengers take
/// consecutive ranges of buckets by their percentages, the champion the rest.
/// </summary>
internal static class ArmAssignment
{
    public const int Buckets = 10_000;

    /// <summary>The text a request is assigned by: the sticky entity's id, else every key in kind order.</summary>
    public static string StickyText(Rollout rollout, IReadOnlyDictionary<string, string> keys) =>
        rollout.StickyKey is { } kind && keys.TryGetValue(kind, out var id)
            ? id
            : string.Join(";", keys.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key}={k.Value}"));

    public static int Bucket(string sticky)
    {
        Span<byte> utf8 = sticky.Length <= 256 ? stackalloc byte[Encoding.UTF8.GetMaxByteCount(sticky.Length)] : new byte[Encoding.UTF8.GetMaxByteCount(sticky.Length)];
        var length = Encoding.UTF8.GetBytes(sticky, utf8);
        return (int)(XxHash3.HashToUInt64(utf8[..length]) % Buckets);
    }

    /// <summary>The challenger that answers a request in <paramref name="bucket"/>, or null for the champion.</summary>
    /// <param name="now">For a canary: its share is the step reached by then.</param>
    public static string? ChallengerFor(Rollout rollout, int bucket, DateTimeOffset now)
    {
        var from = 0.0;
        foreach (var arm in rollout.Challengers)
        {
            var to = from + SharePercent(rollout, arm, now) * (Buckets / 100.0);
            if (bucket >= from && bucket < to) return arm.Model;
            from = to;
        }
        return null;
    }

    /// <summary>The percentage of requests an arm answers at <paramref name="now"/>.</summary>
    public static double SharePercent(Rollout rollout, RolloutArm arm, DateTimeOffset now)
    {
        if (rollout.Mode != Rollout.Canary || rollout.Steps is not { Count: > 0 } steps) return arm.Percent;
        var elapsed = now - (rollout.Since ?? now);
        var step = rollout.StepEvery is { Ticks: > 0 } every ? (int)Math.Min(steps.Count - 1, Math.Max(0, elapsed.Ticks / every.Ticks)) : 0;
        return steps[step];
    }
}
