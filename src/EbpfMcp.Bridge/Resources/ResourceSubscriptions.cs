using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace EbpfMcp.Bridge.Resources;

/// <summary>
/// resources/subscribe and resources/unsubscribe, and the watch behind them: while anyone
/// subscribes, the subscribed resources are looked at once per interval (a cheap fingerprint: the
/// loaded program ids, the map ids, a trace's event count and state), and each subscription whose
/// resource changed gets one notifications/resources/updated. So a session hears about a resource
/// at most once per interval, and nothing is looked at when nobody listens.
/// </summary>
public sealed class ResourceSubscriptions(BridgeEngine engine, TimeSpan interval)
{
    /// <summary>
    /// What can be watched: a URI's fingerprint, read through the module's commands; null when the
    /// resource does not exist (<paramref name="Missing"/> says so to a subscriber; a resource that
    /// goes away while watched notifies once).
    /// </summary>
    public sealed record Watch(string Uri, Func<PowerShellHost, string?> Fingerprint, string Missing = "");

    private sealed record Subscription(string Session, Watch Watch)
    {
        public string? Seen { get; set; }
    }

    // Keyed by session (McpToolHandlers.OwnerOf), not by McpServer: a request's server is a
    // per-request wrapper that answers over that request's own stream.
    private readonly Dictionary<(string Session, string Uri), Subscription> subscriptions = [];
    private readonly Dictionary<string, McpServer> sessions = [];
    private readonly object gate = new();
    private Task? polling;

    /// <summary>A session began: notifications for it go through its own server (on HTTP, its standalone stream).</summary>
    public void Open(McpServer server)
    {
        lock (gate)
        {
            sessions[McpToolHandlers.OwnerOf(server)] = server;
        }
    }

    /// <summary>Adds (or renews) a session's subscription; its first fingerprint is taken now, so only later changes notify.</summary>
    /// <exception cref="McpProtocolException">The resource does not exist (a trace id no trace has).</exception>
    public async Task AddAsync(McpServer server, Watch watch, CancellationToken cancellationToken)
    {
        var parts = await engine.Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        var seen = await Task.Run(() => watch.Fingerprint(parts.Host), cancellationToken).ConfigureAwait(false)
            ?? throw ResourceCall.NotFoundError(server, watch.Missing);
        var session = McpToolHandlers.OwnerOf(server);
        lock (gate)
        {
            subscriptions[(session, watch.Uri)] = new Subscription(session, watch) { Seen = seen };
            polling ??= Task.Run(PollAsync, CancellationToken.None);
        }
    }

    public void Remove(McpServer server, string uri)
    {
        lock (gate)
        {
            subscriptions.Remove((McpToolHandlers.OwnerOf(server), uri));
        }
    }

    /// <summary>A session ended: its subscriptions go with it.</summary>
    public void Forget(McpServer server) => Forget(McpToolHandlers.OwnerOf(server));

    private void Forget(string session)
    {
        lock (gate)
        {
            sessions.Remove(session);
            foreach (var key in subscriptions.Keys.Where(k => k.Session == session).ToList())
            {
                subscriptions.Remove(key);
            }
        }
    }

    /// <summary>Runs while there are subscriptions; the next subscribe starts it again.</summary>
    private async Task PollAsync()
    {
        while (true)
        {
            await Task.Delay(interval).ConfigureAwait(false);
            List<Subscription> open;
            lock (gate)
            {
                if (subscriptions.Count == 0)
                {
                    polling = null;
                    return;
                }
                open = [.. subscriptions.Values];
            }
            var host = engine.IfReady?.Host;
            if (host is null)
            {
                continue;
            }
            // One look per resource, however many sessions watch it.
            foreach (var watched in open.GroupBy(s => s.Watch.Uri))
            {
                string now;
                try
                {
                    now = watched.First().Watch.Fingerprint(host) ?? "gone";
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // Whatever a look fails with, this loop (the only one) goes on; a resource that
                    // cannot be read has changed, as far as its subscribers can tell.
                    now = "unreadable: " + e.Message;
                }
                foreach (var subscription in watched.Where(s => s.Seen != now))
                {
                    subscription.Seen = now;
                    await NotifyAsync(subscription).ConfigureAwait(false);
                }
            }
        }
    }

    private async Task NotifyAsync(Subscription subscription)
    {
        McpServer? server;
        lock (gate)
        {
            server = sessions.GetValueOrDefault(subscription.Session);
        }
        if (server is null)
        {
            Forget(subscription.Session); // ended, and its transport did not say so
            return;
        }
        try
        {
            await server.SendNotificationAsync(NotificationMethods.ResourceUpdatedNotification,
                new ResourceUpdatedNotificationParams { Uri = subscription.Watch.Uri }).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The session went away without saying so: it hears nothing more.
            Forget(subscription.Session);
        }
    }
}
