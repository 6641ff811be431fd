using Prometheus;
using Streaming.Serving;
using Streaming.Serving.Rollouts;

namespace Streaming.Tests.Serving;

/// <summary>The guard rails on a node's answers: errors and p99 latency against the champion's, after enough requests.</summary>
public sealed class ArmGuardTests
{
    private const string Model = "m", Challenger = "c";

    private static ArmGuard Guard(JudgeOptions? judge = null) =>
        new(new ServingOptions { Judge = judge ?? new JudgeOptions { GuardMinimumRequests = 100 } }, new ServingMetrics(Metrics.NewCustomRegistry()));

    private static void Answer(ArmGuard guard, string arm, int count, double milliseconds, int failures = 0)
    {
        for (var i = 0; i < count; i++) guard.Record(Model, arm, TimeSpan.FromMilliseconds(milliseconds), failed: i < failures);
    }

    [Fact]
    public void Failures_over_the_error_rate_breach_only_once_enough_requests_were_seen()
    {
        var guard = Guard();
        Answer(guard, Challenger, 99, 1, failures: 5);
        Assert.Null(guard.Breach(Model, Challenger)); // 99 < 100 requests
        Answer(guard, Challenger, 1, 1);
        Assert.Contains("failed 5 of 100 answers", guard.Breach(Model, Challenger));
    }

    [Fact]
    public void One_failure_in_a_thousand_is_within_the_default_one_percent()
    {
        var guard = Guard();
        Answer(guard, Challenger, 1000, 1, failures: 1);
        Assert.Null(guard.Breach(Model, Challenger));
    }

    [Fact]
    public void A_slow_challenger_breaches_only_above_both_the_ratio_and_the_floor()
    {
        var guard = Guard();
        Answer(guard, Model, 500, 1);
        Answer(guard, Challenger, 500, 4); // 4× slower, but under the 5 ms floor
        Assert.Null(guard.Breach(Model, Challenger));

        Answer(guard, Model, 500, 10);
        Answer(guard, Challenger, 500, 15); // over the floor, but 1.5× < 2×
        Assert.Null(guard.Breach(Model, Challenger));

        Answer(guard, Challenger, 1024, 30); // the newest 1,024: p99 30 ms against the champion's 10 ms
        Assert.Contains("30.0 ms at p99 against 10.0 ms", guard.Breach(Model, Challenger));
    }

    [Fact]
    public void A_new_rollout_is_guarded_afresh()
    {
        var guard = Guard();
        Answer(guard, Challenger, 200, 1, failures: 100);
        Assert.NotNull(guard.Breach(Model, Challenger));
        guard.Reset(Model);
        Assert.Null(guard.Breach(Model, Challenger));
    }
}
