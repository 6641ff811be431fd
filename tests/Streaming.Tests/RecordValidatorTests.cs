using System.Text;
using Streaming.Ingest;
using Streaming.Ingest.Validation;
using Streaming.Tests.Support;

namespace Streaming.Tests;

public sealed class RecordValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private readonly RecordValidator _validator = new(new IngestOptions());

    private Verdict Event(string json) => _validator.ValidateEvent(Encoding.UTF8.GetBytes(json), Now);
    private Verdict Label(string json) => _validator.ValidateLabel(Encoding.UTF8.GetBytes(json), Now);

    [Fact]
    public void Valid_event_is_keyed_by_its_entities_in_canonical_order()
    {
        var verdict = Event("""{"id":"e1","type":"flight.departure","time":"2026-11-24T11:59:00Z","keys":{"route":"SFO-LAX","origin":"SFO"},"fields":{"distance":337,"carrier":"AA","late":false}}""");
        Assert.True(verdict.IsValid, verdict.Detail);
        Assert.Equal("origin=SFO|route=SFO-LAX", verdict.PartitionKey);
    }

    [Fact]
    public void A_string_that_is_not_valid_text_is_malformed_not_a_crash()
    {
        // An escaped lone surrogate is well-formed JSON bytes but no text: found by HttpFuzzTests as a 500.
        var verdict = Label("""{"id":"\ud800","name":"departure_delay_minutes","value":1,"time":"2026-11-24T11:59:00Z","eventId":"e1"}""");
        Assert.Equal(RejectionReasons.MalformedJson, verdict.Reason);
    }

    [Fact]
    public void Every_generated_bad_record_is_rejected_with_its_class_reason()
    {
        for (var i = 0; i < BadRecords.Classes.Count; i++)
        {
            var (line, reason) = BadRecords.Make(i, Now, goodEvery: 0);
            var verdict = Event(line);
            Assert.False(verdict.IsValid, $"class {i} was accepted: {line[..Math.Min(120, line.Length)]}");
            Assert.Equal(reason, verdict.Reason);
            Assert.False(string.IsNullOrWhiteSpace(verdict.Detail));
        }
    }

    [Theory]
    [InlineData("""{"id":"l1","name":"delay","value":12.5,"time":"2026-11-24T11:00:00Z","eventId":"e1","keys":{"origin":"SFO"},"eventTime":"2026-11-24T10:00:00Z"}""", null)]
    [InlineData("""{"id":"l1","name":"delay","value":1,"time":"2026-11-24T11:00:00Z","predictionId":"p1"}""", null)]
    [InlineData("""{"id":"l1","name":"delay","value":1,"time":"2026-11-24T11:00:00Z"}""", RejectionReasons.InvalidTarget)]
    [InlineData("""{"id":"l1","name":"delay","value":"NaN","time":"2026-11-24T11:00:00Z","eventId":"e"}""", RejectionReasons.NonFiniteNumber)]
    [InlineData("""{"id":"l1","name":"delay","value":"12","time":"2026-11-24T11:00:00Z","eventId":"e"}""", RejectionReasons.WrongType)]
    [InlineData("""{"id":"l1","name":"delay","time":"2026-11-24T11:00:00Z","eventId":"e"}""", RejectionReasons.MissingField)]
    [InlineData("""{"id":"l1","name":"delay","value":1,"time":"2026-11-24T11:00:00Z","eventId":"e","eventTime":"2026-11-24T11:30:00Z"}""", RejectionReasons.LabelBeforeEvent)]
    [InlineData("""{"id":"l1","name":"delay","value":1,"time":"2026-11-24T11:00:00Z","eventId":"e","keys":{"origin":" "}}""", RejectionReasons.EmptyKey)]
    public void Labels_are_checked_for_target_value_and_times(string json, string? reason)
    {
        var verdict = Label(json);
        Assert.Equal(reason, verdict.Reason);
    }

    [Fact]
    public void A_label_without_keys_is_keyed_by_what_it_labels()
    {
        var verdict = Label("""{"id":"l1","name":"delay","value":1,"time":"2026-11-24T11:00:00Z","predictionId":"p-9"}""");
        Assert.Equal("p-9", verdict.PartitionKey);
    }

    [Fact]
    public void Huge_finite_numbers_are_refused_so_no_aggregate_can_overflow()
    {
        // Two events with distance 1e308 once made a destination's sum infinite, and every prediction for it a 500.
        var huge = """{"id":"e","type":"t","time":"2026-11-24T11:00:00Z","keys":{"k":"v"},"fields":{"distance":1e308}}"""u8.ToArray();
        Assert.Equal(RejectionReasons.OutOfRange, _validator.ValidateEvent(huge, Now).Reason);
        var label = Label("""{"id":"l1","name":"delay","value":-2e15,"time":"2026-11-24T11:00:00Z","eventId":"e"}""");
        Assert.Equal(RejectionReasons.OutOfRange, label.Reason);
        var large = """{"id":"e","type":"t","time":"2026-11-24T11:00:00Z","keys":{"k":"v"},"fields":{"distance":9e14}}"""u8.ToArray();
        Assert.True(_validator.ValidateEvent(large, Now).IsValid);
    }

    [Fact]
    public void Time_window_follows_the_clock_it_is_given()
    {
        var old = """{"id":"e","type":"t","time":"2001-01-01T00:00:00Z","keys":{"k":"v"}}"""u8.ToArray();
        Assert.Equal(RejectionReasons.TimeTooOld, _validator.ValidateEvent(old, Now).Reason);
        Assert.True(_validator.ValidateEvent(old, new DateTimeOffset(2001, 1, 1, 0, 3, 0, TimeSpan.Zero)).IsValid);
    }

    [Fact]
    public void Typed_events_with_nan_serialize_and_are_rejected_not_thrown()
    {
        var entityEvent = new Streaming.Contracts.EntityEvent("e", "t", Now, new Dictionary<string, string> { ["k"] = "v" },
            new Dictionary<string, Streaming.Contracts.FieldValue> { ["x"] = double.NaN });
        var bytes = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(entityEvent, Streaming.Contracts.ContractsJsonContext.Default.EntityEvent);
        Assert.Equal(RejectionReasons.NonFiniteNumber, _validator.ValidateEvent(bytes, Now).Reason);
    }

    [Fact]
    public void Serialized_contract_event_round_trips_through_validation()
    {
        var entityEvent = new Streaming.Contracts.EntityEvent("e", "t", Now, new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" },
            new Dictionary<string, Streaming.Contracts.FieldValue> { ["n"] = 1.5, ["s"] = "x", ["f"] = false });
        var bytes = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(entityEvent, Streaming.Contracts.ContractsJsonContext.Default.EntityEvent);
        var verdict = _validator.ValidateEvent(bytes, Now);
        Assert.True(verdict.IsValid, verdict.Detail);
        Assert.Equal(entityEvent.PartitionKey, verdict.PartitionKey);
        var back = System.Text.Json.JsonSerializer.Deserialize(bytes, Streaming.Contracts.ContractsJsonContext.Default.EntityEvent)!;
        Assert.Equal(1.5, back.Fields!["n"].Number);
        Assert.Equal("x", back.Fields["s"].Text);
        Assert.Equal(Streaming.Contracts.FieldKind.Boolean, back.Fields["f"].Kind);
    }
}
