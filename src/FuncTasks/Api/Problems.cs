namespace FuncTasks.Api;

/// <summary>The catalogue of refusals: each slug, status and title is decided here once.</summary>
public static class Problems
{
    public static ApiProblemException Validation(IReadOnlyDictionary<string, string[]> errors, string? detail = null) =>
        new(400, "validation-failed", "The request is not valid",
            detail ?? "One or more fields are not valid; see errors.", errors);

    public static ApiProblemException Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] }, message);

    public static ApiProblemException MalformedJson(string detail) =>
        new(400, "malformed-json", "The body is not valid JSON", detail);

    public static ApiProblemException InvalidId(string field, string value) =>
        new(400, "invalid-id", "The id is not a valid ULID",
            $"'{Truncate(value)}' is not a ULID (26 characters of Crockford base32).",
            new Dictionary<string, string[]> { [field] = ["must be a ULID (26 characters of Crockford base32)"] });

    public static ApiProblemException NotFound(string what, string id) =>
        new(404, "not-found", $"{Capitalize(what)} not found", $"No {what} has the id '{id}'.");

    public static ApiProblemException Conflict(string slug, string title, string detail) =>
        new(409, slug, title, detail);

    public static ApiProblemException PreconditionFailed(string detail) =>
        new(412, "precondition-failed", "The resource has changed", detail);

    public static ApiProblemException PayloadTooLarge(long limitBytes) =>
        new(413, "payload-too-large", "The body is too large",
            $"The request body is larger than the limit of {limitBytes} bytes.");

    public static ApiProblemException Forbidden(string slug, string title, string detail) =>
        new(403, slug, title, detail);

    public static ApiProblemException Unauthorized(string detail) =>
        new(401, "unauthorized", "Authentication required", detail);

    private static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";
}
