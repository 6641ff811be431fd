using System.Text.Json.Serialization;

namespace Streaming.Ingest.Http;

/// <summary>
/// The answer to an ingest request: counts, and one entry per record that was not accepted, up to
/// <c>Ingest:MaxErrors</c>; <paramref name="ErrorsOmitted"/> counts the entries beyond it.
/// </summary>
internal sealed record IngestResponse(int Received, int Accepted, int Rejected, int Failed, IReadOnlyList<RecordError> Errors, int ErrorsOmitted = 0);

/// <param name="Index">Position of the record in the request (0-based).</param>
/// <param name="Reason">Stable reason code, e.g. "non_finite_number".</param>
/// <param name="Detail">What exactly was wrong.</param>
internal sealed record RecordError(int Index, string Reason, string Detail);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(IngestResponse))]
internal sealed partial class IngestJsonContext : JsonSerializerContext;
