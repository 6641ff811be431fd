using Streaming.Contracts;
using Streaming.Serving.Rollouts;

namespace Streaming.Tests.Serving;

/// <summary>How requests are split between the arms of a rollout: by a hash of a sticky key, in stated proportions.</summary>
public sealed class ArmAssignmentTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Over_100000_keys_each_arm_takes_its_percentage_within_half_a_point()
    {
        // Binomial spread at 100,000 keys and p = 0.3: 0.14 points; half a point is over 3.4 of it.
        var rollout = new Rollout(Rollout.AB, [new RolloutArm("b", 10), new RolloutArm("c", 30)]);
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < 100_000; i++)
        {
            var arm = ArmAssignment.ChallengerFor(rollout, ArmAssignment.Bucket($"user-{i}"), Now) ?? "champion";
            counts[arm] = counts.GetValueOrDefault(arm) + 1;
        }
        Assert.InRange(counts["b"] / 1_000.0, 9.5, 10.5);
        Assert.InRange(counts["c"] / 1_000.0, 29.5, 30.5);
        Assert.InRange(counts["champion"] / 1_000.0, 59.5, 60.5);
    }

    [Fact]
    public void The_sticky_entity_alone_decides_so_one_entity_always_meets_one_arm()
    {
        var rollout = new Rollout(Rollout.AB, [new RolloutArm("b", 50)], StickyKey: "origin");
        var first = ArmAssignment.StickyText(rollout, new Dictionary<string, string> { ["origin"] = "SFO", ["destination"] = "LAX" });
        var second = ArmAssignment.StickyText(rollout, new Dictionary<string, string> { ["destination"] = "JFK", ["origin"] = "SFO" });
        Assert.Equal(first, second);
        // Without a sticky kind every key counts, in kind order whatever the order sent.
        var all = rollout with { StickyKey = null };
        Assert.Equal(ArmAssignment.StickyText(all, new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }),
            ArmAssignment.StickyText(all, new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" }));
        // A bucket is a pure function of the text (XxHash3, seed 0): the same in every process, so on every node and after restarts.
        Assert.Equal(ArmAssignment.Bucket("SFO"), ArmAssignment.Bucket("SFO"));
        // Pinned: another hash (or seed) would move entities to other arms in the middle of a rollout, across an upgrade.
        Assert.Equal(5_316, ArmAssignment.Bucket("SFO"));
    }

    [Fact]
    public void A_canary_climbs_its_steps_over_time_and_holds_the_last()
    {
        var since = Now;
        var canary = new Rollout(Rollout.Canary, [new RolloutArm("b")], Steps: [1, 5, 25], StepEvery: TimeSpan.FromMinutes(10), Since: since);
        Assert.Equal(1, ArmAssignment.SharePercent(canary, canary.Challengers[0], since + TimeSpan.FromMinutes(9)));
        Assert.Equal(5, ArmAssignment.SharePercent(canary, canary.Challengers[0], since + TimeSpan.FromMinutes(10)));
        Assert.Equal(25, ArmAssignment.SharePercent(canary, canary.Challengers[0], since + TimeSpan.FromHours(5)));
        var share = Enumerable.Range(0, 20_000).Count(i => ArmAssignment.ChallengerFor(canary, ArmAssignment.Bucket($"k{i}"), since + TimeSpan.FromMinutes(1)) == "b");
        Assert.InRange(share / 200.0, 0.7, 1.3);
    }
}
