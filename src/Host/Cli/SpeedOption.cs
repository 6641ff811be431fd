using System.Globalization;

namespace Streaming.Host.Cli;

/// <summary>Parses a replay speed: "max" (as fast as possible), or a factor such as "60x" or "60".</summary>
internal static class SpeedOption
{
    public static bool TryParse(string text, out double? speed, out string? error)
    {
        error = null;
        speed = null;
        if (string.Equals(text, "max", StringComparison.OrdinalIgnoreCase)) return true;
        var number = text.EndsWith('x') || text.EndsWith('X') ? text[..^1] : text;
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var factor) && factor > 0 && double.IsFinite(factor))
        {
            speed = factor;
            return true;
        }
        error = $"--speed takes 'max' or a positive factor such as '60x', not '{text}'.";
        return false;
    }
}
