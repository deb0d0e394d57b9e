using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace FuncTasks.Api;

/// <summary>Reads a JSON request body with a size limit and strict parsing; every failure is a 4xx.</summary>
public static class RequestBody
{
    /// <summary>Reads the body as a JSON object, or null when the body is empty and <paramref name="required"/> is false.</summary>
    public static async Task<JsonElement?> ReadObjectAsync(HttpRequest request, long maxBytes, bool required, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            throw Refusals.PayloadTooLarge(maxBytes);
        }

        var bytes = await ReadLimitedAsync(request.Body, maxBytes, cancellationToken);
        if (IsBlank(bytes))
        {
            if (required)
            {
                throw Refusals.Validation("body", "a JSON object body is required");
            }

            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, ApiJson.DocumentOptions);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" (line {line + 1}, byte {ex.BytePositionInLine + 1})" : string.Empty;
            throw Refusals.MalformedJson($"The body is not valid JSON{where}: {FirstSentence(ex.Message)}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Refusals.Validation("body", $"must be a JSON object, not {JsonFields.Describe(document.RootElement.ValueKind)}");
            }

            return document.RootElement.Clone();
        }
    }

    private static async Task<ReadOnlyMemory<byte>> ReadLimitedAsync(Stream body, long maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw Refusals.PayloadTooLarge(maxBytes);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    private static bool IsBlank(ReadOnlyMemory<byte> bytes)
    {
        foreach (var b in bytes.Span)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return false;
            }
        }

        return true;
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }
}
