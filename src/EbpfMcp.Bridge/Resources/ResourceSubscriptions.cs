using System.Management.Automation;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace EbpfMcp.Bridge.Resources;

/// <summary>
/// resources/subscribe and resources/unsubscribe, and the watch behind them: while anyone
/// subscribes, the subscribed resources are looked at once per <see cref="Interval"/> (a cheap
/// fingerprint: the loaded program ids, the map ids, a trace's event count and state), and each
/// subscription whose resource changed gets one notifications/resources/updated. So a session
/// hears about a resource at most once per interval, and nothing is polled when nobody listens.
/// </summary>
public sealed class ResourceSubscriptions(BridgeEngine engine, TimeSpan interval)
{
    /// <summary>
    /// What can be watched: a URI's fingerprint, read through the module's commands; null when the
    /// resource does not exist (<paramref name="Missing"/> says so to a subscriber; a resource that
    /// goes away while watched notifies once).
    /// </summary>
    public sealed record Watch(string Uri, Func<PowerShellHost, string?> Fingerprint, string Missing = "");

    private sealed record Subscription(McpServer Server, Watch Watch)
    {
        public string? Seen { get; set; }
    }

    private readonly Dictionary<(McpServer, string), Subscription> subscriptions = [];
    private readonly object gate = new();
    private Task? polling;

    public TimeSpan Interval => interval;

    /// <summary>How many subscriptions are open (all sessions).</summary>
    public int Count
    {
        get
        {
            lock (gate)
            {
                return subscriptions.Count;
            }
        }
    }

    /// <summary>Adds (or renews) a session's subscription; its first fingerprint is taken now, so only later changes notify.</summary>
    /// <exception cref="McpProtocolException">The resource is gone already (a trace that does not exist).</exception>
    public async Task AddAsync(McpServer server, Watch watch, CancellationToken cancellationToken)
    {
        var parts = await engine.Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        var seen = await Task.Run(() => watch.Fingerprint(parts.Host), cancellationToken).ConfigureAwait(false)
            ?? throw ResourceCall.NotFoundError(server, watch.Missing);
        lock (gate)
        {
            subscriptions[(server, watch.Uri)] = new Subscription(server, watch) { Seen = seen };
            polling ??= Task.Run(PollAsync, CancellationToken.None);
        }
    }

    public void Remove(McpServer server, string uri)
    {
        lock (gate)
        {
            subscriptions.Remove((server, uri));
        }
    }

    /// <summary>A session ended: its subscriptions go with it.</summary>
    public void Forget(McpServer server)
    {
        lock (gate)
        {
            foreach (var key in subscriptions.Keys.Where(k => k.Item1 == server).ToList())
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
                catch (Exception e) when (e is InvalidOperationException or RuntimeException)
                {
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
        try
        {
            await subscription.Server.SendNotificationAsync(NotificationMethods.ResourceUpdatedNotification,
                new ResourceUpdatedNotificationParams { Uri = subscription.Watch.Uri }).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The session went away without saying so: it hears nothing more.
            Forget(subscription.Server);
        }
    }
}
