using System.Net;

namespace EbpfMcp.Bridge.Http;

/// <summary>
/// MCP over Streamable HTTP on /mcp, behind the token/Host/Origin guard, the body cap and the
/// session cap. The port is bound before the token file is touched, so a second server on a busy
/// port leaves the first one's token alone; a generated token file is removed at a clean exit.
/// </summary>
public static class HttpServer
{
    public static async Task<int> RunAsync(BridgeOptions options, McpServerSetup setup, BridgeEngine engine, AuditLog audit, CancellationToken cancellationToken)
    {
        var log = Console.Error;
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

        var sessions = new SessionLimit.Counter();
        // The bridge is configured by its command line and environment only. ASP.NET's defaults would
        // also read appsettings*.json from the working directory (a "Kestrel:Endpoints" section there
        // added a listener on any address, beside --listen) and watch that directory's whole tree for
        // changes: a file-system walk whenever something in it changed, e.g. a build. Neither happens.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });
        foreach (var file in builder.Configuration.Sources.OfType<Microsoft.Extensions.Configuration.FileConfigurationSource>().ToList())
        {
            builder.Configuration.Sources.Remove(file);
        }
        BridgeLogging.Configure(builder.Logging, options.LogLevel);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(options.Listen == "localhost" ? IPAddress.Loopback : IPAddress.Parse(options.Listen), options.Port);
            k.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            k.AddServerHeader = false;
        });
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(token);
        builder.Services.AddSingleton(engine);
        builder.Services.AddSingleton(audit);
        builder.Services.AddSingleton(sessions);
        builder.Services.AddMcpServer(setup.Configure)
            .WithHttpTransport(http =>
            {
                // Ownership needs sessions: what a session installs is removed when it ends. Clients that
                // prefer the sessionless 2026-07-28 revision are told to fall back to the initialize handshake.
                http.SessionMode = ModelContextProtocol.AspNetCore.HttpServerSessionMode.Stateful;
                http.IdleTimeout = TimeSpan.FromMinutes(30);
                // Only idle sessions expire; the session cap refuses new ones instead of evicting live ones.
                http.MaxIdleSessionCount = int.MaxValue;
#pragma warning disable MCPEXP002 // the session's end is where its installations are removed
                http.RunSessionHandler = async (context, server, sessionEnded) =>
                {
                    var owner = McpToolHandlers.OwnerOf(server);
                    sessions.Started(context);
                    setup.Resources?.Open(server);
                    try
                    {
                        await server.RunAsync(sessionEnded);
                    }
                    finally
                    {
                        sessions.Ended();
                        setup.Resources?.Forget(server);
                        // A session that ran no command before the engine was up installed nothing.
                        var removed = engine.IfReady?.Installations.RemoveAll(owner) ?? 0;
                        if (removed > 0)
                        {
                            log.WriteLine($"ebpf-mcp: session {server.SessionId} ended, removed {removed} installation(s).");
                        }
                    }
                };
#pragma warning restore MCPEXP002
            });

        await using var app = builder.Build();
        app.UseMiddleware<HttpGuard>();
        app.UseMiddleware<MalformedRequestGuard>();
        app.UseMiddleware<SessionLimit>();
        app.UseMiddleware<SeedCompatibility>();
        app.UseMiddleware<HeaderFlushDeferral>();
        app.MapMcp("/mcp");
        var address = $"http://{(options.Listen.Contains(':') ? $"[{options.Listen}]" : options.Listen)}:{options.Port}/mcp";
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            // Kestrel wraps the bind failure (address in use, or not ours to take).
            log.WriteLine($"ebpf-mcp: cannot listen on {address}: {e.InnerException?.Message ?? e.Message}. Is another ebpf-mcp running there? (--port chooses another port.)");
            return 1;
        }
        try
        {
            if (token.Generated)
            {
                TokenStore.Write(token);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.WriteLine($"ebpf-mcp: cannot write the bearer token: {e.Message} Give --token-file or EBPF_MCP_TOKEN instead.");
            await app.StopAsync(CancellationToken.None);
            return 1;
        }
        log.WriteLine($"ebpf-mcp: listening on {address}");
        log.WriteLine(token.Generated
            ? $"ebpf-mcp: bearer token written to {token.Source} (mode 0600)"
            : $"ebpf-mcp: bearer token from {token.Source}");
        try
        {
            await app.WaitForShutdownAsync(cancellationToken);
        }
        finally
        {
            engine.IfReady?.Installations.RemoveAll(SeedCompatibility.Owner);
            TokenStore.Remove(token);
        }
        return 0;
    }
}
