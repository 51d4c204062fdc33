using System.Text.RegularExpressions;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace EbpfMcp.Bridge.Resources;

/// <summary>
/// The MCP resources: the kernel, the loaded hooks and the maps (ebpf://kernel, ebpf://hooks,
/// ebpf://maps), one map's entries (ebpf://maps/{id}) and a background trace's results so far
/// (ebpf://traces/{traceId}). Each is a read-only tool call under another name, so clients that
/// use tools only lose nothing. Subscriptions: ebpf://hooks (programs loaded or removed),
/// ebpf://maps (maps created or freed) and ebpf://traces/{traceId} (new events, or the trace ended).
/// </summary>
public sealed partial class BridgeResources
{
    public const string Kernel = "ebpf://kernel";
    public const string Hooks = "ebpf://hooks";
    public const string Maps = "ebpf://maps";
    public const string MapTemplate = "ebpf://maps/{id}";
    public const string TraceTemplate = "ebpf://traces/{traceId}";
    private const string TracePrefix = "ebpf://traces/";

    private readonly IReadOnlyList<CommandResource> resources;
    private readonly ResourceSubscriptions subscriptions;

    /// <summary>How often subscribed resources are looked at: the most notifications a session gets per resource.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    public BridgeResources(BridgeEngine engine)
    {
        var reader = new ResourceReader(engine);
        subscriptions = new ResourceSubscriptions(engine, PollInterval);
        resources =
        [
            new(Kernel, "kernel", "This kernel: release, BTF, which program and map types and helpers it allows (as the Get-BpfKernelInfo tool).",
                _ => ResourceCall.Of("Get-BpfKernelInfo"), reader),
            new(Hooks, "hooks", "Loaded BPF programs and where they are attached (as Get-BpfHook). Subscribe to hear when programs are loaded or removed.",
                _ => ResourceCall.Of("Get-BpfHook"), reader),
            new(Maps, "maps", "BPF maps in the kernel (as Get-BpfMap). Subscribe to hear when maps are created or freed.",
                _ => ResourceCall.Of("Get-BpfMap"), reader),
            new(MapTemplate, "map", "One map's entries, keys and values decoded with its BTF (as Get-BpfMap with Id and Dump).",
                id => uint.TryParse(id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var mapId)
                    ? ResourceCall.Of("Get-BpfMap", new { Id = new[] { mapId }, Dump = true })
                    : ResourceCall.NotFound($"Resource not found: '{id}' is not a map id (a number, as ebpf://maps lists them)."), reader),
            new(TraceTemplate, "trace", "A background trace's results so far, kept for later reads, with its totals (as Receive-BpfTrace with TraceId and Keep). Subscribe to hear of new results (at most once a second) and of its end.",
                id => TraceIdShape().IsMatch(id)
                    ? ResourceCall.Of("Receive-BpfTrace", new { TraceId = id, Keep = true })
                    : ResourceCall.NotFound(NotATraceId(id)), reader),
        ];
    }

    private static string NotATraceId(string id) => $"Resource not found: '{id}' is not a trace id (Get-BpfTrace lists them).";

    /// <summary>A trace id as the module makes them (URL-safe base64), never a wildcard pattern.</summary>
    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex TraceIdShape();

    public void Configure(McpServerOptions options)
    {
        options.Capabilities ??= new ServerCapabilities();
        options.Capabilities.Resources = new ResourcesCapability { Subscribe = true };
        options.ResourceCollection = [];
        foreach (var resource in resources)
        {
            options.ResourceCollection.Add(resource);
        }
        options.Handlers.SubscribeToResourcesHandler = async (request, cancellationToken) =>
        {
            var watch = WatchFor(request.Server, request.Params?.Uri ?? "");
            await subscriptions.AddAsync(request.Server, watch, cancellationToken).ConfigureAwait(false);
            return new EmptyResult();
        };
        options.Handlers.UnsubscribeFromResourcesHandler = (request, cancellationToken) =>
        {
            subscriptions.Remove(request.Server, request.Params?.Uri ?? "");
            return ValueTask.FromResult(new EmptyResult());
        };
    }

    /// <summary>A session began (its own server, which notifications go through).</summary>
    public void Open(McpServer server) => subscriptions.Open(server);

    /// <summary>A session ended: its subscriptions end too.</summary>
    public void Forget(McpServer server) => subscriptions.Forget(server);

    /// <summary>What a subscription to <paramref name="uri"/> watches; resources that do not change on their own are refused.</summary>
    private static ResourceSubscriptions.Watch WatchFor(McpServer server, string uri)
    {
        if (uri == Hooks)
        {
            return new(uri, host => Ids(host, "Get-BpfHook"));
        }
        if (uri == Maps)
        {
            return new(uri, host => Ids(host, "Get-BpfMap"));
        }
        if (uri.StartsWith(TracePrefix, StringComparison.Ordinal))
        {
            var traceId = Uri.UnescapeDataString(uri[TracePrefix.Length..]);
            if (!TraceIdShape().IsMatch(traceId))
            {
                throw ResourceCall.NotFoundError(server, NotATraceId(traceId));
            }
            return new(uri, host => TraceState(host, traceId), $"Resource not found: no background trace has id '{traceId}' (Get-BpfTrace lists them).");
        }
        throw new McpProtocolException(
            $"'{uri}' cannot be subscribed to: subscriptions are for {Hooks}, {Maps} and {TraceTemplate}; the other resources are read when needed.", McpErrorCode.InvalidParams);
    }

    /// <summary>The ids a listing command returns, in order: what changes when objects come or go.</summary>
    private static string Ids(PowerShellHost host, string command) =>
        string.Join(",", host.Invoke(command, []).Select(o => o.Properties["Id"]?.Value?.ToString()).Order(StringComparer.Ordinal));

    /// <summary>A trace's event count and state, or null when there is no such trace (never was, or expired).</summary>
    private static string? TraceState(PowerShellHost host, string traceId)
    {
        var found = host.Invoke("Get-BpfTrace", new() { ["TraceId"] = new[] { traceId }, ["ErrorAction"] = System.Management.Automation.ActionPreference.Ignore });
        // The state from the job itself: the State shown in PowerShell is a script property, which needs a runspace on this thread.
        return found.Count == 0 ? null : $"{found[0].Properties["EventCount"]?.Value}/{(found[0].BaseObject as System.Management.Automation.Job)?.JobStateInfo.State}";
    }
}
