using System.Net;

namespace EbpfMcp.Bridge.Http;

/// <summary>
/// Front door of the HTTP transport: the Host header must name this server (DNS rebinding), a
/// present Origin must be local (browsers on other sites), and every request needs the bearer token.
/// </summary>
public sealed class HttpGuard(RequestDelegate next, BridgeOptions options, TokenStore.Token token, AuditLog audit)
{
    // Not async: the checks are synchronous, and an accepted request goes on without a state machine of its own.
    public Task InvokeAsync(HttpContext context)
    {
        if (!HostAllowed(context.Request.Host))
        {
            return Refuse(context, StatusCodes.Status403Forbidden, "forbidden_host", $"Host '{Shorten(context.Request.Host.ToString())}' is not this server.");
        }
        if (context.Request.Headers.Origin is { Count: > 0 } origin && !OriginAllowed(origin.ToString()))
        {
            return Refuse(context, StatusCodes.Status403Forbidden, "forbidden_origin", $"Origin '{Shorten(origin.ToString())}' may not call this server.");
        }
        var authorization = context.Request.Headers.Authorization.ToString();
        var presented = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;
        if (!token.IsPresented(presented))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"ebpf-mcp\"";
            return Refuse(context, StatusCodes.Status401Unauthorized, "unauthorized", "A valid bearer token is required (Authorization: Bearer <token>).");
        }
        return next(context);
    }

    private bool HostAllowed(HostString host)
    {
        if (!host.HasValue)
        {
            return false;
        }
        if (host.Port is { } port && port != options.Port)
        {
            return false;
        }
        var name = host.Host.Trim('[', ']');
        if (options.ListensOnLoopback)
        {
            return name is "localhost" || (IPAddress.TryParse(name, out var ip) && IPAddress.IsLoopback(ip));
        }
        return string.Equals(name, options.Listen, StringComparison.OrdinalIgnoreCase) || IsAnyAddress(options.Listen);
    }

    private bool OriginAllowed(string origin)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return false;
        }
        var name = uri.Host.Trim('[', ']');
        bool local = name == "localhost" || (IPAddress.TryParse(name, out var ip) && IPAddress.IsLoopback(ip)) || string.Equals(name, options.Listen, StringComparison.OrdinalIgnoreCase);
        return local;
    }

    private static bool IsAnyAddress(string listen) => listen is "0.0.0.0" or "::";

    /// <summary>What a client sent, cut short for a message or the log.</summary>
    private static string Shorten(string text) => text.Length <= 100 ? text : text[..100] + "...";

    private Task Refuse(HttpContext context, int status, string code, string message)
    {
        audit.Refusal(context.Request.Headers["Mcp-Session-Id"].FirstOrDefault() is { } session ? "mcp-session:" + Shorten(session) : null, null, code, $"{message} (from {context.Connection.RemoteIpAddress})", status);
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new Dictionary<string, string> { ["error"] = code, ["message"] = message });
    }
}
