using FuncTasks.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FuncTasks.Idempotency;

/// <summary>
/// Makes a creating HTTP trigger honour <c>Idempotency-Key</c>: the trigger hands its handler to <see cref="RunAsync"/>.
/// Without the header the handler just runs. With it: the key is checked (400), claimed in Table storage
/// (<see cref="IdempotencyStore"/>: 409 while another request holds it, 422 when it was used for another request), the
/// handler runs once, and its answer, a 4xx refusal included, is kept and given to every repeat with
/// <c>Idempotent-Replayed: true</c>. A 5xx, or a fault, gives the key up so that the client's retry runs afresh.
/// </summary>
public sealed class IdempotentRequests(IdempotencyStore store, IOptions<ApiOptions> api, TimeProvider clock, ILogger<IdempotentRequests> logger)
{
    public async Task<IResult> RunAsync(HttpRequest request, Func<CancellationToken, Task<IResult>> handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(handler);
        if (IdempotencyKey.From(request.Headers) is not { } key)
        {
            return await handler(cancellationToken);
        }

        var body = await BufferBodyAsync(request, api.Value.MaxBodyBytes, cancellationToken);
        var fingerprint = RequestFingerprint.Of(request.Method, request.PathBase.Add(request.Path).Value ?? string.Empty, body.Span);
        var outcome = await store.ClaimAsync(key.Hash, fingerprint, cancellationToken);
        if (outcome.Kept is { } kept)
        {
            return kept.ToResult(replayed: true);
        }

        var claim = outcome.Claim!;
        KeptAnswer answer;
        // The work stops when the lease does: past it another request may take the key over and run it again.
        using (var lease = new CancellationTokenSource(IdempotencyStore.ClaimLease - TimeSpan.FromSeconds(5), clock))
        using (var work = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lease.Token))
        {
            try
            {
                answer = await KeptAnswer.CaptureAsync(await handler(work.Token), request.HttpContext);
            }
            catch (RefusalException refusal)
            {
                answer = await KeptAnswer.CaptureAsync(ProblemMapper.ToResult(refusal, request.HttpContext, logger), request.HttpContext);
            }
            catch (OperationCanceledException) when (lease.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                await ReleaseAsync(claim);
                throw Refusals.IdempotentRequestTimedOut(IdempotencyStore.ClaimLease);
            }
            catch
            {
                await ReleaseAsync(claim);
                throw;
            }
        }

        if (answer.Status >= StatusCodes.Status500InternalServerError)
        {
            await ReleaseAsync(claim);
        }
        else if (!await store.KeepAsync(claim, answer, CancellationToken.None))
        {
            logger.IdempotencyClaimLost(request.Method, request.Path.Value ?? string.Empty);
        }

        return answer.ToResult(replayed: false);
    }

    /// <summary>Reads the body once (to fingerprint it) and puts it back for the handler.</summary>
    private static async Task<ReadOnlyMemory<byte>> BufferBodyAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            throw Refusals.PayloadTooLarge(maxBytes);
        }

        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw Refusals.PayloadTooLarge(maxBytes);
            }

            buffer.Write(chunk, 0, read);
        }

        buffer.Position = 0;
        request.Body = buffer;
        request.HttpContext.Response.RegisterForDispose(buffer);
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    /// <summary>Gives the key up; if storage fails here too, the claim's lease runs out and a repeat takes the key over.</summary>
    private async Task ReleaseAsync(IdempotencyClaim claim)
    {
        try
        {
            await store.ReleaseAsync(claim, CancellationToken.None);
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or IOException or TimeoutException)
        {
            logger.IdempotencyReleaseFailed(ex);
        }
    }
}
