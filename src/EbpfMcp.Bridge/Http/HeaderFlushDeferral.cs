namespace EbpfMcp.Bridge.Http;

/// <summary>
/// The MCP SDK flushes a POST's response headers before it hands the request to the server, so
/// that a client sees the response start even while a tool runs long. For a call answered in a
/// fraction of a millisecond that is one send more per call (headers alone, then the event, then
/// the chunked end) and one more wake-up for the client: strace counted 2.2 sends per call, 1.2
/// with this. The first, empty flush is held back (<see cref="HeaderFlushDeferringStream"/>): the
/// headers leave with the first event, or after <see cref="Grace"/> if nothing was written by then
/// (the SDK's later versions defer it the same way). GET streams start at once, as before.
/// </summary>
public sealed class HeaderFlushDeferral(RequestDelegate next)
{
    /// <summary>How long a POST's headers may wait for its first event (far below any client's timeout).</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMilliseconds(250);

    public Task InvokeAsync(HttpContext context) =>
        HttpMethods.IsPost(context.Request.Method) ? DeferAsync(context) : next(context);

    private async Task DeferAsync(HttpContext context)
    {
        var original = context.Response.Body;
        var body = new HeaderFlushDeferringStream(original, Grace);
        context.Response.Body = body;
        try
        {
            await next(context);
        }
        finally
        {
            // No held flush may touch the response once the server has finished with it.
            await body.EndAsync();
            context.Response.Body = original;
        }
    }
}
