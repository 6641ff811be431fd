using System.Globalization;
using Streaming.Ingest.Validation;

namespace Streaming.Tests.Support;

/// <summary>
/// Generates invalid event records, one NDJSON line each, cycling through every rejection class; each
/// carries its index so that a dead-lettered copy can be matched to the reason it must carry.
/// </summary>
public static class BadRecords
{
    private static string Time(DateTimeOffset t) => t.ToString("O", CultureInfo.InvariantCulture);

    private static string Valid(int i, DateTimeOffset now) =>
        $$$"""{"id":"good-{{{i}}}","type":"test","time":"{{{Time(now)}}}","keys":{"user":"u{{{i % 17}}}"},"fields":{"x":{{{i}}},"s":"v","b":true}}""";

    /// <summary>Each class: how to make record i, and the reason it must be rejected with.</summary>
    public static readonly IReadOnlyList<(Func<int, DateTimeOffset, string> Make, string Reason)> Classes =
    [
        ((i, now) => $$$"""{"id":"bad-{{{i}}}","type":"test","time":""", RejectionReasons.MalformedJson),
        ((i, now) => $$$"""["bad-{{{i}}}"]""", RejectionReasons.NotAnObject),
        ((i, now) => $$$"""{"id":"bad-{{{i}}}","type":"test","time":"{{{Time(now)}}}","keys":{"user":"u"},"feilds":{}}""", RejectionReasons.UnknownField),
        ((i, now) => $$$"""{"id":"bad-{{{i}}}","id":"again","type":"test","time":"{{{Time(now)}}}","keys":{"user":"u"}}""", RejectionReasons.DuplicateField),
        ((i, now) => $$$"""{"type":"test-{{{i}}}","time":"{{{Time(now)}}}","keys":{"user":"u"}}""", RejectionReasons.MissingField),
        ((i, now) => $$$"""{"id":"bad-{{{i}}}","type":"  ","time":"{{{Time(now)}}}","keys":{"user":"u"}}""", RejectionReasons.EmptyValue),
        ((i, now) => $$$"""{"id":"bad-{{{i}}}","type":"test","time":"{{{Time(now)}}}"}""", RejectionReasons.MissingKeys),
        ((i, now) => $$$"""{"id":"bad-{{{i}}}","type":"test","time":"{{{Time(now)}}}","keys":{}}""", RejectionReasons.MissingKeys),
        ((i, now) => $$$"""{"id":"bad-{{{i}}}","type":"test","time":"{{{Time(now)}}}","keys":{"user":""}}""", RejectionReasons.EmptyKey),
        ((i, now) => $$$"""{"id":"bad-{{{i}}}","type":"test","time":"{{{Time(now)}}}","keys":{"user":42}}""", RejectionReasons.WrongType),
        ((i, now) => $$$"""{"id":"bad-{{{i}}}","type":"test","time":"{{{Time(now)}}}","keys":{"user":"u"},"fields":{"x":[1,2]}}""", RejectionReasons.WrongType),
        ((i, now) => $$$"""{"id":"bad-{{{i}}}","type":"test","time":1700000000,"keys":{"user":"u"}}""", RejectionReasons.WrongType),
        ((i, now) => $$$"""{"id":"bad-{{{i}}}","type":"test","time":"{{{Time(now)}}}","keys":{"user":"u"},"fields":{"x":NaN}}""", RejectionReasons.NonFiniteNumber),
        ((i, now) => $$$"""{"id":"bad-{{{i}}}","type":"test","time":"{{{Time(now)}}}","keys":{"user":"u"},"fields":{"x":-Infinity}}""", RejectionReasons.NonFiniteNumber),
        ((i, now) => $$$"""{"id":"bad-{{{i}}}","type":"test","time":"{{{Time(now)}}}","keys":{"user":"u"},"fields":{"x":1e999}}""", RejectionReasons.NonFiniteNumber),
        ((i, now) => $$$"""{"id":"bad-{{{i}}}","type":"test","time":"yesterday","keys":{"user":"u"}}""", RejectionReasons.InvalidTime),
        ((i, now) => $$$"""{"id":"bad-{{{i}}}","type":"test","time":"{{{Time(now.AddDays(1))}}}","keys":{"user":"u"}}""", RejectionReasons.TimeInFuture),
        ((i, now) => $$$"""{"id":"bad-{{{i}}}","type":"test","time":"{{{Time(now.AddDays(-30))}}}","keys":{"user":"u"}}""", RejectionReasons.TimeTooOld),
        ((i, now) => $$$"""{"id":"bad-{{{i}}}","type":"test","time":"{{{Time(now)}}}","keys":{"user":"u"},"fields":{"blob":"{{{new string('x', 70_000)}}}"}}""", RejectionReasons.Oversized),
    ];

    public static (string Line, string? Reason) Make(int i, DateTimeOffset now, int goodEvery)
    {
        if (goodEvery > 0 && i % goodEvery == 0) return (Valid(i, now), null);
        var (make, reason) = Classes[i % Classes.Count];
        return (make(i, now), reason);
    }
}
