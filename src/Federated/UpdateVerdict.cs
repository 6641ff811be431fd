namespace Streaming.Federated;

/// <summary>Why the server refused an update, or that it took it (clipped or whole).</summary>
public enum UpdateVerdict
{
    Accepted,
    /// <summary>Accepted with its delta scaled down to the round's clip bound.</summary>
    Clipped,
    /// <summary>Slots and deltas of different lengths, a slot outside the model, a repeated slot, a non-finite delta or no examples.</summary>
    Malformed,
    /// <summary>Trained from a version other than the round's: averaging it would undo the rounds since.</summary>
    StaleBase,
    /// <summary>A second update from the same client in one round: a client's examples count once.</summary>
    Duplicate,
    /// <summary>A delta whose norm is far above the round's median: one client must not move the model alone.</summary>
    Outlying,
}

internal static class UpdateVerdicts
{
    /// <summary>The metric label: snake case, as the other counters' reasons.</summary>
    public static string Label(this UpdateVerdict verdict) => verdict switch
    {
        UpdateVerdict.Accepted => "accepted",
        UpdateVerdict.Clipped => "clipped",
        UpdateVerdict.Malformed => "malformed",
        UpdateVerdict.StaleBase => "stale_base",
        UpdateVerdict.Duplicate => "duplicate",
        UpdateVerdict.Outlying => "outlying",
        _ => throw new ArgumentOutOfRangeException(nameof(verdict), verdict, null),
    };

    public static bool IsAccepted(this UpdateVerdict verdict) => verdict is UpdateVerdict.Accepted or UpdateVerdict.Clipped;
}
