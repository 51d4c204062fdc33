using System.Net;
using EbpfMcp.Bridge.Ownership;
using EbpfMcp.Bridge.Tools;

namespace EbpfMcp.Bridge.Http;

/// <summary>MCP over Streamable HTTP on /mcp, behind the token/Host/Origin guard and the body cap.</summary>
public static class HttpServer
{
    public static async Task<int> RunAsync(McpToolHandlers handlers, BridgeOptions options, TextWriter log, ToolCatalog catalog, ToolInvoker invoker, SessionInstallations installations)
    {
        TokenStore.Token token;
        try
        {
            token = TokenStore.Resolve(options);
        }
        catch (ArgumentException e)
        {
            log.WriteLine($"ebpf-mcp: {e.Message}");
            return 2;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(options.Listen == "localhost" ? IPAddress.Loopback : IPAddress.Parse(options.Listen), options.Port);
            k.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            k.AddServerHeader = false;
        });
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(token);
        builder.Services.AddSingleton(catalog);
        builder.Services.AddSingleton(invoker);
        builder.Services.AddMcpServer(ServerInfo.Configure)
            .WithHttpTransport(http =>
            {
                // Ownership needs sessions: what a session installs is removed when it ends. Clients that
                // prefer the sessionless 2026-07-28 revision are told to fall back to the initialize handshake.
                http.SessionMode = ModelContextProtocol.AspNetCore.HttpServerSessionMode.Stateful;
                http.IdleTimeout = TimeSpan.FromMinutes(30);
#pragma warning disable MCPEXP002 // the session's end is where its installations are removed
                http.RunSessionHandler = async (context, server, cancellationToken) =>
                {
                    var owner = McpToolHandlers.OwnerOf(server);
                    try
                    {
                        await server.RunAsync(cancellationToken);
                    }
                    finally
                    {
                        var removed = installations.RemoveAll(owner);
                        if (removed > 0)
                        {
                            log.WriteLine($"ebpf-mcp: session {server.SessionId} ended, removed {removed} installation(s).");
                        }
                    }
                };
#pragma warning restore MCPEXP002
            })
            .WithListToolsHandler(handlers.ListAsync)
            .WithCallToolHandler(handlers.CallAsync);

        var app = builder.Build();
        app.UseMiddleware<HttpGuard>();
        app.UseMiddleware<MalformedRequestGuard>();
        app.UseMiddleware<SeedCompatibility>();
        app.MapMcp("/mcp");
        await app.StartAsync();
        log.WriteLine($"ebpf-mcp: listening on http://{(options.Listen.Contains(':') ? $"[{options.Listen}]" : options.Listen)}:{options.Port}/mcp");
        log.WriteLine(token.Generated
            ? $"ebpf-mcp: bearer token written to {token.Source} (mode 0600)"
            : $"ebpf-mcp: bearer token from {token.Source}");
        await app.WaitForShutdownAsync();
        installations.RemoveAll(SeedCompatibility.Owner);
        return 0;
    }
}
