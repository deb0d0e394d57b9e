using System.Security.Cryptography;
using System.Text;
using FuncTasks.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace FuncTasks.Security;

/// <summary>Optional API keys (section <c>FuncTasks:Security</c>), on top of the host's function keys.</summary>
public sealed class SecurityOptions
{
    public const string Section = "FuncTasks:Security";

    /// <summary>Comma-separated keys; when any is set, every API call must carry one in <c>X-API-Key</c>.</summary>
    public string? ApiKeys { get; set; }
}

/// <summary>
/// Requires a configured API key in <c>X-API-Key</c> on every API function but the anonymous ones.
/// Keys are compared as SHA-256 digests in constant time (no early exit, no length leak) and are never
/// logged or echoed.
/// </summary>
public sealed class ApiKeyCheck
{
    public const string Header = "X-API-Key";

    /// <summary>Functions reachable without any key (the contract's anonymous ones).</summary>
    public static readonly IReadOnlySet<string> AnonymousFunctions = new HashSet<string>(StringComparer.Ordinal) { "Health", "OpenApiDocument", "ApiDocs", "Dashboard", "DashboardFile" };

    private readonly byte[][] digests;

    public ApiKeyCheck(IOptions<SecurityOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        digests = (options.Value.ApiKeys ?? string.Empty)
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(Digest)
            .ToArray();
    }

    public bool Enabled => digests.Length > 0;

    /// <summary>Throws a 401 problem when keys are configured and the request carries none of them.</summary>
    public void Ensure(HttpRequest request, string functionName)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Enabled || AnonymousFunctions.Contains(functionName))
        {
            return;
        }

        var presented = request.Headers[Header];
        if (presented.Count != 1 || string.IsNullOrEmpty(presented[0]))
        {
            throw Refusals.Unauthorized($"This API requires an API key in the {Header} header.");
        }

        var digest = Digest(presented[0]!);
        var match = false;
        foreach (var expected in digests)
        {
            match |= CryptographicOperations.FixedTimeEquals(digest, expected);
        }

        if (!match)
        {
            throw Refusals.Unauthorized($"The {Header} header does not carry a valid API key.");
        }
    }

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
