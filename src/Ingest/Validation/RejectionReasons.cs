namespace Streaming.Ingest.Validation;

/// <summary>
/// Why a record was rejected: the value of the dead-letter reason header, the metric label and the
/// "reason" of an HTTP error entry. Stable strings: operators alert on them.
/// </summary>
internal static class RejectionReasons
{
    public const string MalformedJson = "malformed_json";
    public const string InvalidUtf8 = "invalid_utf8";
    public const string NotAnObject = "not_an_object";
    public const string UnknownField = "unknown_field";
    public const string DuplicateField = "duplicate_field";
    public const string MissingField = "missing_field";
    public const string EmptyValue = "empty_value";
    public const string MissingKeys = "missing_keys";
    public const string EmptyKey = "empty_key";
    public const string WrongType = "wrong_type";
    public const string NonFiniteNumber = "non_finite_number";
    public const string OutOfRange = "out_of_range";
    public const string InvalidTime = "invalid_time";
    public const string TimeInFuture = "time_in_future";
    public const string TimeTooOld = "time_too_old";
    public const string Oversized = "oversized";
    public const string InvalidTarget = "invalid_target";
    public const string LabelBeforeEvent = "label_before_event";
    public const string BodyTooLarge = "body_too_large";
    public const string BodyIncomplete = "body_incomplete";
    public const string TooManyRecords = "too_many_records";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string EmptyBody = "empty_body";
}
