namespace FuncTasks.Api;

/// <summary>
/// A request the app refuses, with what the client needs to fix it. Thrown anywhere below a trigger;
/// <see cref="ProblemMapper"/> turns it into RFC 9457 problem details in one place.
/// </summary>
public sealed class ApiProblemException : Exception
{
    public ApiProblemException(int status, string slug, string title, string detail,
        IReadOnlyDictionary<string, string[]>? errors = null)
        : base(detail)
    {
        Status = status;
        Slug = slug;
        Title = title;
        Errors = errors;
    }

    public ApiProblemException()
        : this(500, "internal-error", "Internal error", "An unexpected error occurred.")
    {
    }

    public ApiProblemException(string message)
        : this(500, "internal-error", "Internal error", message)
    {
    }

    public ApiProblemException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = 500;
        Slug = "internal-error";
        Title = "Internal error";
    }

    public int Status { get; }
    public string Slug { get; }
    public string Title { get; }
    public IReadOnlyDictionary<string, string[]>? Errors { get; }
}
