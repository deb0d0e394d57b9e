namespace FuncTasks;

/// <summary>What kind of refusal: the HTTP layer alone decides the status each one answers (Api/ProblemMapper).</summary>
public enum RefusalKind
{
    Invalid,
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    PreconditionFailed,
    TooLarge,
    Unprocessable,
    RangeNotSatisfiable,
    Unavailable,
}

/// <summary>
/// An operation the app refuses, with what the caller needs to fix it: a kind, a stable slug, a title, a detail and,
/// for invalid input, the fields at fault. Thrown by the domain and the request parsing alike; the one
/// <see cref="Api.ProblemMapper"/> turns it into RFC 9457 problem details, and a job that meets one records its slug.
/// </summary>
public sealed class RefusalException : Exception
{
    public RefusalException(RefusalKind kind, string slug, string title, string detail, IReadOnlyDictionary<string, string[]>? errors = null)
        : base(detail)
    {
        Kind = kind;
        Slug = slug;
        Title = title;
        Errors = errors;
    }

    public RefusalException()
        : this(RefusalKind.Invalid, "refused", "Refused", "The operation was refused.")
    {
    }

    public RefusalException(string message)
        : this(RefusalKind.Invalid, "refused", "Refused", message)
    {
    }

    public RefusalException(string message, Exception innerException)
        : base(message, innerException)
    {
        Kind = RefusalKind.Invalid;
        Slug = "refused";
        Title = "Refused";
    }

    public RefusalKind Kind { get; }
    public string Slug { get; }
    public string Title { get; }
    public IReadOnlyDictionary<string, string[]>? Errors { get; }

    /// <summary>Response headers the answer carries besides the problem (a 416's <c>Content-Range</c>).</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
}
