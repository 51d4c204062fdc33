using System.Collections;
using System.Management.Automation;
using System.Text.Json;
using System.Text.Json.Nodes;
using EbpfMcp.Bridge.Tools;
using ModelContextProtocol.Protocol;

namespace EbpfMcp.Bridge.Fleet;

/// <summary>
/// Runs a read-only tool on other nodes with PowerShell remoting over SSH (New-PSSession -HostName,
/// Invoke-Command in it, Remove-PSSession: one session per node, so every error is known to be that
/// node's), at most --throttle-limit nodes at once across all calls. The items of every node come back in one
/// result, each with its node; a node that fails is reported in errors and the call fails only
/// when no node answered.
/// </summary>
public sealed class FleetInvoker(PowerShellHost host, BridgeOptions options)
{
    /// <summary>The field every item and per-node error gets: the node it came from.</summary>
    public const string NodeField = "node";

    /// <summary>
    /// How long the node's session may take to open (ssh connecting, the node's pwsh starting)
    /// before the node counts as unreachable: a host that drops packets costs a call this much.
    /// </summary>
    public static readonly TimeSpan ConnectingTimeout = TimeSpan.FromSeconds(30);

    /// <summary>What the bridge gives PowerShell beyond <see cref="ConnectingTimeout"/> to open a session, and any session to close.</summary>
    private static readonly TimeSpan OpeningGrace = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How deep a node's objects are serialized. Remoting's own depth (1) would turn every nested
    /// object (a histogram's buckets, an event's process, a time with its offset) into a string.
    /// </summary>
    public const int SerializationDepth = 8;

    /// <summary>
    /// What runs in the node's session: the module's own command, found there by name (the node's
    /// installed module), each object serialized to <see cref="SerializationDepth"/>. A tracer leaves
    /// out that session's pwsh, as the bridge leaves out itself here.
    /// </summary>
    private static readonly ScriptBlock RemoteCommand = ScriptBlock.Create("""
        param([string]$Command, [hashtable]$Parameters, [int]$Depth)
        if ((Get-Command $Command -ErrorAction Stop).Parameters.ContainsKey('ExcludeProcessId')) { $Parameters['ExcludeProcessId'] = @($PID) }
        & $Command @Parameters | ForEach-Object { [System.Management.Automation.PSSerializer]::Serialize($_, $Depth) }
        """);

    /// <summary>Properties remoting adds to every object; the node field says the same once.</summary>
    private static readonly string[] RemotingProperties = ["PSComputerName", "RunspaceId", "PSShowComputerName"];

    private readonly SemaphoreSlim connections = new(options.ThrottleLimit, options.ThrottleLimit);

    public async Task<CallToolResult> RunAsync(ToolDefinition tool, Hashtable bound, IReadOnlyList<string> nodes, ToolInvoker.Sink sink, CancellationToken cancellationToken)
    {
        SshShim.EnsureInstalled(); // before the first session: the ssh PowerShell starts must not end the bridge
        var parameters = Portable(bound, tool.BoundParameters);
        var collector = new ToolInvoker.OutputCollector(options.MaxItems, options.MaxBytes);
        var notifications = new ToolInvoker.NotificationQueue();
        // Progress must grow: only the first node's is sent (several nodes' counts would interleave).
        var outcomes = await Task.WhenAll(nodes.Select((node, i) =>
            RunOnAsync(node, tool.Name, parameters, collector, i == 0 ? sink : sink with { Progress = null }, notifications, cancellationToken))).ConfigureAwait(false);
        await notifications.DrainAsync().ConfigureAwait(false);

        var structured = collector.ToJson();
        var errors = outcomes.SelectMany(o => o.Errors).ToList();
        if (errors.Count > 0)
        {
            structured["errors"] = new JsonArray([.. errors.Select(e => (JsonNode)e.DeepClone())]);
        }
        if (outcomes.All(o => o.Failed))
        {
            return ToolErrors.Result(errors[0].DeepClone().AsObject(), structured);
        }
        return new CallToolResult
        {
            StructuredContent = JsonSerializer.SerializeToElement(structured),
            Content = [new TextContentBlock { Text = structured.ToJsonString(JsonOutput.TextOptions) }],
        };
    }

    /// <summary>One node's share: its errors (each naming the node), and whether it failed (nothing but errors, or no answer).</summary>
    private sealed record Outcome(IReadOnlyList<JsonObject> Errors, bool Failed);

    private async Task<Outcome> RunOnAsync(string node, string command, Hashtable parameters, ToolInvoker.OutputCollector collector, ToolInvoker.Sink sink, ToolInvoker.NotificationQueue notifications, CancellationToken cancellationToken)
    {
        await connections.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var (session, openErrors) = await OpenAsync(node, cancellationToken).ConfigureAwait(false);
            if (session is null)
            {
                return new Outcome(openErrors, Failed: true);
            }
            try
            {
                return await RunInAsync(session, node, command, parameters, collector, sink, notifications, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await CloseAsync(session).ConfigureAwait(false);
            }
        }
        finally
        {
            connections.Release();
        }
    }

    /// <summary>
    /// The node's session, opened on its own with a deadline of the bridge's: PowerShell's SSH
    /// client can miss the end of an ssh that failed to connect and then waits forever (seen with
    /// Invoke-Command -HostName on a refused port, now and then), -ConnectingTimeout or not.
    /// </summary>
    private async Task<(PSObject? Session, IReadOnlyList<JsonObject> Errors)> OpenAsync(string node, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(ConnectingTimeout + OpeningGrace);
        using var output = new PSDataCollection<PSObject>();
        try
        {
            var opening = await host.InvokeAsync(ps => ps.AddCommand("New-PSSession")
                .AddParameter("HostName", node)
                .AddParameter("ConnectingTimeout", (int)ConnectingTimeout.TotalMilliseconds), output, deadline.Token).ConfigureAwait(false);
            if (output.Count == 1 && opening.Terminating is null && !opening.Stopped)
            {
                return (output[0], []);
            }
            var errors = NodeErrors(opening, node);
            if (errors.Count == 0)
            {
                errors.Add(Tag(ToolErrors.Error("PSSessionOpenFailed", ErrorCategory.OpenError, $"[{node}] No session was opened."), node));
            }
            foreach (var extra in output)
            {
                await CloseAsync(extra).ConfigureAwait(false);
            }
            return (null, errors);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, [Tag(ToolErrors.Error("PSSessionOpenTimedOut", ErrorCategory.OpenError,
                $"[{node}] No session within {(ConnectingTimeout + OpeningGrace).TotalSeconds:0} s (ssh connecting, the node's pwsh starting)."), node)]);
        }
    }

    /// <summary>The tool in the node's open session; every error there is that node's.</summary>
    private async Task<Outcome> RunInAsync(PSObject session, string node, string command, Hashtable parameters, ToolInvoker.OutputCollector collector, ToolInvoker.Sink sink, ToolInvoker.NotificationQueue notifications, CancellationToken cancellationToken)
    {
        int items = 0;
        using var output = new PSDataCollection<PSObject>();
        output.DataAdded += (s, e) =>
        {
            Interlocked.Increment(ref items);
            collector.Add(Deserialize(((PSDataCollection<PSObject>)s!)[e.Index]), item => Tag(item, node));
        };
        var pipeline = await host.InvokeAsync(ps =>
        {
            ps.AddCommand("Invoke-Command")
                .AddParameter("Session", session)
                .AddParameter("ScriptBlock", RemoteCommand)
                .AddParameter("ArgumentList", new object[] { command, parameters, SerializationDepth });
            ToolInvoker.Forward(ps, sink, notifications);
        }, output, cancellationToken).ConfigureAwait(false);
        var errors = NodeErrors(pipeline, node);
        return new Outcome(errors, pipeline.Terminating is not null || pipeline.Stopped || (errors.Count > 0 && items == 0));
    }

    /// <summary>What a node's pipeline reported, each naming the node: its errors, then how it ended (thrown, or stopped).</summary>
    private static List<JsonObject> NodeErrors(PowerShellHost.PipelineResult pipeline, string node)
    {
        var errors = pipeline.Errors.Select(r => Tag(ToolErrors.FromRecord(r), node)).ToList();
        if (pipeline.Terminating is { } terminating)
        {
            errors.Add(Tag(ToolErrors.FromRecord(terminating), node));
        }
        else if (pipeline.Stopped)
        {
            errors.Add(Tag(ToolErrors.Error("OperationStopped", ErrorCategory.OperationStopped, "The command was stopped before it finished."), node));
        }
        return errors;
    }

    /// <summary>Ends a node's session (its ssh and the node's pwsh), whatever the call came to.</summary>
    private async Task CloseAsync(PSObject session)
    {
        using var deadline = new CancellationTokenSource(OpeningGrace);
        using var output = new PSDataCollection<PSObject>();
        try
        {
            await host.InvokeAsync(ps => ps.AddCommand("Remove-PSSession").AddParameter("Session", session), output, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // A session that will not close within the grace is left to its ssh ending; the call is answered.
        }
    }

    /// <summary>A node's object, from the text the node serialized it to (anything else as it came).</summary>
    private static PSObject Deserialize(PSObject sent)
    {
        try
        {
            return sent.BaseObject is string xml ? PSObject.AsPSObject(PSSerializer.Deserialize(xml)) : sent;
        }
        catch (System.Xml.XmlException)
        {
            return sent;
        }
    }

    /// <summary>An item or error of <paramref name="node"/>: the node named, remoting's own properties dropped.</summary>
    private static JsonObject Tag(JsonObject json, string node)
    {
        foreach (var property in RemotingProperties)
        {
            json.Remove(property);
        }
        json[NodeField] = node;
        return json;
    }

    private static JsonNode? Tag(JsonNode? item, string node) => item is JsonObject o ? Tag(o, node) : new JsonObject { ["value"] = item, [NodeField] = node };

    /// <summary>
    /// The client's arguments as values that cross remoting as they are (switches as booleans, enums
    /// and URIs as their names), without what the bridge binds for this node (its -Owner session,
    /// its own process id): meaningless on another node.
    /// </summary>
    private static Hashtable Portable(Hashtable bound, IReadOnlySet<string> hostBound)
    {
        var parameters = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in bound)
        {
            var name = (string)entry.Key;
            if (!hostBound.Contains(name))
            {
                parameters[name] = entry.Value switch
                {
                    SwitchParameter s => s.IsPresent,
                    Enum e => e.ToString(),
                    Uri u => u.ToString(),
                    Array a when a.GetType().GetElementType()!.IsEnum => a.Cast<object>().Select(x => x.ToString()).ToArray(),
                    var value => value,
                };
            }
        }
        return parameters;
    }
}
