using System.Text.Json;
using Parquet.Serialization;
using Streaming.Contracts;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Training;
using Streaming.Flights;
using Streaming.Host.Commands;
using Streaming.Offline.Backfill;
using Streaming.Tests.Features;

namespace Streaming.Tests.Offline;

/// <summary>The backfill's point-in-time join, on a hand-made history whose right answers are known.</summary>
public sealed class BackfillTests
{
    private static readonly DateTimeOffset T0 = new(2001, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly FeatureView PurchasesPerHour = new("purchases_1h", "user", FeatureSource.Events, TestViews.Purchase, null,
        [Aggregation.Count], WindowSpec.Tumbling(TimeSpan.FromHours(1)), TimeSpan.FromMinutes(1), TimeSpan.FromHours(1));

    private static EntityEvent Event(string id, DateTimeOffset time, string entity) =>
        new(id, TestViews.Purchase, time, new Dictionary<string, string> { ["user"] = entity }, new Dictionary<string, FieldValue> { ["amount"] = 10 });

    [Fact]
    public async Task A_label_gets_its_events_features_as_of_the_event_never_anything_later()
    {
        var view = PurchasesPerHour;
        var set = new FeatureSet([view], TestViews.Purchase);
        var history = new List<HistoryRecord>();
        for (var i = 0; i < 3; i++) history.Add(new(Event($"before-{i}", T0.AddMinutes(i), "u1"), null));
        history.Add(new(Event("target", T0.AddMinutes(10), "u1"), null));
        for (var i = 0; i < 50; i++) history.Add(new(Event($"burst-{i}", T0.AddMinutes(11 + i % 40), "u1"), null)); // after the event
        history.Add(new(null, new Label("target-label", "outcome", 1, T0.AddMinutes(55), EventId: "target")));
        history.Add(new(null, new Label("orphan", "outcome", 1, T0.AddMinutes(56), EventId: "never-seen")));

        var run = new BackfillRun(set, TimeSpan.FromDays(1));
        var example = await SingleExampleAsync(run, history);

        Assert.Equal("target-label", example.Id);
        Assert.Equal(T0.AddMinutes(10), example.Time);
        Assert.Equal(3, example.Features[view.Name]["count"].Number); // the three before it: not itself, not the burst
        Assert.False(example.Features[view.Name].ContainsKey("defaulted"));
        Assert.Equal(1, run.UnmatchedLabels);
        // The online value has moved on meanwhile: all 54 events of the hour.
        Assert.Equal(54, Assert.Single(run.Features.Latest()).Aggregate.Count);
    }

    /// <summary>Runs a history through to a training set on disk and reads back its one example.</summary>
    private static async Task<TrainingExample> SingleExampleAsync(BackfillRun run, IEnumerable<HistoryRecord> history)
    {
        var path = Path.Combine(Path.GetTempPath(), $"training-{Guid.NewGuid():N}.parquet");
        try
        {
            await run.RunAsync(history.ToAsyncEnumerable(), path, CancellationToken.None);
            return JsonSerializer.Deserialize(Assert.Single((await ParquetSerializer.DeserializeAsync<TrainingSetRow>(path)).Data).example,
                ContractsJsonContext.Default.TrainingExample)!;
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_label_for_a_logged_prediction_gets_exactly_the_logged_features()
    {
        var logged = new Dictionary<string, IReadOnlyDictionary<string, FieldValue>>
        {
            ["purchases_1h"] = new Dictionary<string, FieldValue> { ["count"] = 41 }, // what serving saw, whatever the history says
        };
        var history = new List<HistoryRecord>
        {
            new(Event("e1", T0, "u1"), null),
            new(null, null, new PredictionLog("p1", "m", "7", T0.AddMinutes(5), new Dictionary<string, string> { ["user"] = "u1" }, logged, 0.8)),
            new(Event("e2", T0.AddMinutes(6), "u1"), null),
            new(null, new Label("l1", "outcome", 1, T0.AddMinutes(30), PredictionId: "p1")),
        };
        var example = await SingleExampleAsync(new BackfillRun(new FeatureSet([PurchasesPerHour], TestViews.Purchase), TimeSpan.FromDays(1)), history);

        Assert.Equal("p1", example.PredictionId);
        Assert.Equal(T0.AddMinutes(5), example.Time);
        Assert.Equal(41, example.Features["purchases_1h"]["count"].Number);
        Assert.Equal(0.8, example.ServedScore);
        Assert.Equal("7", example.ServedVersion);
    }

    [Fact]
    public async Task An_interrupted_backfill_resumes_from_its_checkpoint_to_exactly_what_an_uninterrupted_one_writes()
    {
        var directory = Directory.CreateTempSubdirectory("backfill-").FullName;
        try
        {
            IAsyncEnumerable<HistoryRecord> History() => FlightsHistory.ReadAsync(Host.Commands.DemoCommand.DefaultDataPath, 20_000);
            BackfillRun Run() => new(FlightFeatureViews.Set, TimeSpan.FromDays(3), rowGroup: 3_000);

            var whole = Run();
            var wholePath = Path.Combine(directory, "whole.parquet");
            await whole.RunAsync(History(), wholePath, CancellationToken.None);

            // A run that dies after 25,000 records (several row groups in)...
            var resumedPath = Path.Combine(directory, "resumed.parquet");
            await Assert.ThrowsAsync<IOException>(() => Run().RunAsync(Crashing(History(), after: 25_000), resumedPath, CancellationToken.None));
            Assert.True(File.Exists(BackfillRun.CheckpointPath(resumedPath)));
            // ...having appended one more row group than its checkpoint counts (it died in between).
            await using (var partial = new FileStream(resumedPath + ".tmp", FileMode.Open, FileAccess.ReadWrite))
                await ParquetSerializer.SerializeAsync([new TrainingSetRow { id = "never-checkpointed", example = "{}" }], partial, new Parquet.ParquetOptions { Append = true });

            var resumed = Run();
            await resumed.RunAsync(History(), resumedPath, CancellationToken.None);

            Assert.True(resumed.Resumed);
            Assert.False(File.Exists(BackfillRun.CheckpointPath(resumedPath)));
            Assert.Equal(whole.Examples, resumed.Examples);
            Assert.Equal(whole.Features.Records, resumed.Features.Records);
            var expected = (await ParquetSerializer.DeserializeAsync<TrainingSetRow>(wholePath)).Data.Select(r => (r.id, r.example)).ToList();
            var actual = (await ParquetSerializer.DeserializeAsync<TrainingSetRow>(resumedPath)).Data.Select(r => (r.id, r.example)).ToList();
            Assert.Equal(expected.Count, actual.Count);
            Assert.Equal(expected, actual);
            static string Online(BackfillRun run) => string.Join("\n", run.Features.Latest()
                .Select(v => $"{v.View.Name}/{v.Entity}/{v.WindowStartMs}/{Convert.ToBase64String(v.Aggregate.Serialize())}").Order(StringComparer.Ordinal));
            Assert.Equal(Online(whole), Online(resumed));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async IAsyncEnumerable<HistoryRecord> Crashing(IAsyncEnumerable<HistoryRecord> history, int after)
    {
        var seen = 0;
        await foreach (var record in history)
        {
            if (++seen > after) throw new IOException("simulated crash");
            yield return record;
        }
    }

    [Fact]
    public void An_entity_without_history_gets_defaults_flagged_and_a_new_window_starts_empty()
    {
        var run = new BackfillRun(new FeatureSet([PurchasesPerHour], TestViews.Purchase), TimeSpan.FromDays(1));
        var first = run.Features.Add(Event("a", T0, "u1"))!;
        Assert.Equal(SnapshotStatus.Missing, Assert.Single(first).Status);
        run.Features.Add(Event("b", T0.AddMinutes(30), "u1"));
        var nextHour = run.Features.Add(Event("c", T0.AddMinutes(61), "u1"))!;
        Assert.Equal(SnapshotStatus.Missing, Assert.Single(nextHour).Status); // a new tumbling window: nothing in it yet
    }
}
