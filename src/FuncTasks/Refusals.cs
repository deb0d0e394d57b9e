namespace FuncTasks;

/// <summary>The catalogue of refusals: each kind, slug and title is decided here once.</summary>
public static class Refusals
{
    public static RefusalException Validation(IReadOnlyDictionary<string, string[]> errors, string? detail = null) =>
        new(RefusalKind.Invalid, "validation-failed", "The request is not valid",
            detail ?? "One or more fields are not valid; see errors.", errors);

    public static RefusalException Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] }, message);

    public static RefusalException MalformedJson(string detail) =>
        new(RefusalKind.Invalid, "malformed-json", "The body is not valid JSON", detail);

    public static RefusalException InvalidId(string field, string value) =>
        new(RefusalKind.Invalid, "invalid-id", "The id is not a valid ULID",
            $"'{Truncate(value)}' is not a ULID (26 characters of Crockford base32).",
            new Dictionary<string, string[]> { [field] = ["must be a ULID (26 characters of Crockford base32)"] });

    public static RefusalException NotFound(string what, string id) =>
        new(RefusalKind.NotFound, "not-found", $"{Capitalize(what)} not found", $"No {what} has the id '{id}'.");

    public static RefusalException Conflict(string slug, string title, string detail) =>
        new(RefusalKind.Conflict, slug, title, detail);

    public static RefusalException PreconditionFailed(string detail) =>
        new(RefusalKind.PreconditionFailed, "precondition-failed", "The resource has changed", detail);

    public static RefusalException PayloadTooLarge(long limitBytes) =>
        new(RefusalKind.TooLarge, "payload-too-large", "The body is too large",
            $"The request body is larger than the limit of {limitBytes} bytes.");

    public static RefusalException InvalidRange(string detail) =>
        new(RefusalKind.Invalid, "invalid-range", "The Range header is not valid", detail,
            new Dictionary<string, string[]> { ["Range"] = [detail] });

    public static RefusalException RangeNotSatisfiable(long length) =>
        new(RefusalKind.RangeNotSatisfiable, "range-not-satisfiable", "The range is outside the content",
            $"The content is {length} bytes long; the range asked for starts at or past its end.")
        {
            Headers = new Dictionary<string, string> { ["Content-Range"] = $"bytes */{length}" },
        };

    public static RefusalException Forbidden(string slug, string title, string detail) =>
        new(RefusalKind.Forbidden, slug, title, detail);

    public static RefusalException Unauthorized(string detail) =>
        new(RefusalKind.Unauthenticated, "unauthorized", "Authentication required", detail);

    public static RefusalException InvalidIdempotencyKey(string message) =>
        new(RefusalKind.Invalid, "invalid-idempotency-key", "The Idempotency-Key header is not valid",
            $"The Idempotency-Key header {message}.",
            new Dictionary<string, string[]> { ["Idempotency-Key"] = [message] });

    public static RefusalException IdempotencyKeyReused() =>
        new(RefusalKind.Unprocessable, "idempotency-key-reused", "The Idempotency-Key was used for another request",
            "This Idempotency-Key was sent before with another method, path or body; use a new key for a new request.");

    public static RefusalException IdempotencyKeyInUse() =>
        new(RefusalKind.Conflict, "idempotency-key-in-use", "A request with this Idempotency-Key is in progress",
            "The first request with this Idempotency-Key is still being processed; repeat it in a moment for its answer.");

    public static RefusalException IdempotentRequestTimedOut(TimeSpan lease) =>
        new(RefusalKind.Unavailable, "idempotent-request-timed-out", "The request took too long",
            $"The request did not finish within the {lease.TotalSeconds:0} seconds its Idempotency-Key is held; it is not kept, so it may be repeated.");

    private static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";
}
