namespace EbpfMcp.Bridge.Http;

/// <summary>
/// Caps MCP sessions over HTTP (--max-sessions; the bridge has one token, so this is also the
/// per-token cap). An initialize beyond the cap is refused with 503 and a JSON-RPC error; no live
/// session is ever evicted to make room for it (the SDK's own eviction by count is lifted), so a
/// flood of new sessions cannot end other clients' sessions or remove what they installed.
/// Sessions end by DELETE or by staying idle past the idle timeout.
/// </summary>
public sealed class SessionLimit(RequestDelegate next, BridgeOptions options, SessionLimit.Counter sessions, AuditLog audit)
{
    /// <summary>
    /// Sessions running, and initializes on their way to becoming sessions. An initialize's
    /// reservation passes to its session when the session starts (while that initialize is still
    /// being answered): counted as both, clients connecting together were refused below the cap.
    /// </summary>
    public sealed class Counter
    {
        private static readonly object Reservation = new();
        private readonly object gate = new();
        private int running, starting;

        /// <summary>Reserves room for the session <paramref name="initialize"/> may start; false at the cap.</summary>
        public bool TryReserve(HttpContext initialize, int max)
        {
            lock (gate)
            {
                if (running + starting >= max)
                {
                    return false;
                }
                starting++;
            }
            initialize.Items[Reservation] = Reservation;
            return true;
        }

        /// <summary>The initialize was answered: its reservation, unless its session took it, is freed.</summary>
        public void Release(HttpContext initialize)
        {
            if (initialize.Items.Remove(Reservation))
            {
                lock (gate)
                {
                    starting--;
                }
            }
        }

        /// <summary>A session started from <paramref name="initialize"/>: it now counts as running.</summary>
        public void Started(HttpContext initialize)
        {
            bool reserved = initialize.Items.Remove(Reservation);
            lock (gate)
            {
                if (reserved)
                {
                    starting--;
                }
                running++;
            }
        }

        public void Ended()
        {
            lock (gate)
            {
                running--;
            }
        }
    }

    // A request of a running session (most of them) goes on without a state machine of this middleware.
    public Task InvokeAsync(HttpContext context) =>
        JsonRpcBody.IsSessionlessPost(context.Request) ? SessionlessPostAsync(context) : next(context);

    private async Task SessionlessPostAsync(HttpContext context)
    {
        var message = await JsonRpcBody.PeekAsync(context);
        if (JsonRpcBody.Method(message) != "initialize")
        {
            await next(context);
            return;
        }
        if (!sessions.TryReserve(context, options.MaxSessions))
        {
            var reason = $"{options.MaxSessions} MCP sessions are open (--max-sessions); end one (HTTP DELETE) or wait until one expires.";
            audit.Refusal(null, null, "TooManySessions", reason, StatusCodes.Status503ServiceUnavailable);
            context.Response.Headers.RetryAfter = "30";
            await JsonRpcBody.WriteErrorAsync(context, message, StatusCodes.Status503ServiceUnavailable, -32000, reason);
            return;
        }
        try
        {
            await next(context);
        }
        finally
        {
            sessions.Release(context);
        }
    }
}
