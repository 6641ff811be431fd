namespace Streaming.Contracts;

/// <summary>
/// How requests for one model (the name they address: the champion) are shared with challengers, set by an operator
/// (PUT /v1/admin/models/{name}/rollout) and kept in Redis, so every serving node routes the same way and keeps doing
/// so across restarts. A challenger is another served model: a second learner's spec, a retrained candidate, or a
/// model pinned to a version.
/// </summary>
/// <param name="Mode">
/// <see cref="AB"/>: each challenger answers its percentage of requests; <see cref="Canary"/>: one challenger whose share
/// climbs <see cref="Steps"/>, one step every <see cref="StepEvery"/> from <see cref="Since"/>; <see cref="Shadow"/>:
/// every challenger scores every request, logged beside the answer and never returned.
/// </param>
/// <param name="StickyKey">
/// The entity kind whose id assigns a request to an arm (e.g. "origin"), so the same entity always meets the same arm on
/// every node; null: all the request's keys together.
/// </param>
public sealed record Rollout(
    string Mode,
    IReadOnlyList<RolloutArm> Challengers,
    string? StickyKey = null,
    IReadOnlyList<double>? Steps = null,
    TimeSpan? StepEvery = null,
    DateTimeOffset? Since = null)
{
    public const string AB = "ab";
    public const string Canary = "canary";
    public const string Shadow = "shadow";
}

/// <summary>A challenger: a served model and, in A/B, the percentage of requests it answers.</summary>
public sealed record RolloutArm(string Model, double Percent = 0);

/// <summary>
/// What the rollout judge decided about a challenger, and from what, on <see cref="Topics.RolloutDecisions"/>: promote
/// (it answers every request of the model from then on) or roll back (it answers none).
/// </summary>
/// <param name="Z">Standardized difference of the mean losses, champion − challenger: positive when the challenger did better.</param>
public sealed record RolloutDecision(
    string Model,
    string Challenger,
    string Decision,
    string Mode,
    double Z,
    long Labels,
    double ChampionLoss,
    double ChallengerLoss,
    DateTimeOffset Time,
    string Reason)
{
    public const string Promote = "promote";
    public const string RollBack = "roll_back";
}
