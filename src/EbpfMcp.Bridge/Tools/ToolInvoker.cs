using System.Collections;
using System.Management.Automation;
using System.Text.Json;
using System.Text.Json.Nodes;
using EbpfMcp.Bridge.Fleet;
using EbpfMcp.Bridge.Ownership;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace EbpfMcp.Bridge.Tools;

/// <summary>
/// Runs one tool call as a PowerShell pipeline from the warm pool: binds arguments (the client's,
/// then the bridge's own: the session as -Owner, deploy limits), streams progress and log records
/// to the client, caps the output, stops the pipeline on cancellation, shapes the result
/// (structuredContent plus the same data as text) and writes the call to the audit log.
/// </summary>
public sealed class ToolInvoker(PowerShellHost host, BridgeOptions options, AuditLog audit, SessionInstallations installations)
{
    /// <summary>The information-stream tag of the trace totals the module writes (BpfTraceSummary).</summary>
    public const string TraceSummaryTag = "EbpfMcp.TraceSummary";

    private readonly DeployPolicy policy = new(options);
    private readonly FleetInvoker fleet = new(host, options);
    private readonly SemaphoreSlim backgroundStarts = new(1, 1);
    private readonly SharedCalls shared = new();
    private int runningTraces;

    /// <summary>Where progress and log records go; <paramref name="Detailed"/> asks for verbose and debug records too.</summary>
    public sealed record Sink(Func<ProgressNotificationValue, Task>? Progress, Func<LoggingLevel, string, Task>? Log, bool Detailed = false);

    public Task<CallToolResult> CallAsync(ToolDefinition tool, IReadOnlyDictionary<string, JsonElement>? arguments, string owner, Sink sink, CancellationToken cancellationToken) =>
        audit.Enabled ? AuditedCallAsync(tool, arguments, owner, sink, cancellationToken) : InvokeAsync(tool, arguments, owner, sink, cancellationToken);

    private async Task<CallToolResult> AuditedCallAsync(ToolDefinition tool, IReadOnlyDictionary<string, JsonElement>? arguments, string owner, Sink sink, CancellationToken cancellationToken)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        var before = tool.ChangesKernel ? installations.ProgramIdsOf(owner) : [];
        string outcome = AuditLog.Error;
        string? errorId = null, reason = null;
        try
        {
            var result = await InvokeAsync(tool, arguments, owner, sink, cancellationToken).ConfigureAwait(false);
            var error = result.IsError == true ? result.StructuredContent?.GetProperty("error") : null;
            errorId = error?.GetProperty("errorId").GetString();
            outcome = error is null ? AuditLog.Ok : ToolErrors.IsRefusal(errorId) ? AuditLog.Refused : AuditLog.Error;
            reason = error?.GetProperty("message").GetString();
            return result;
        }
        catch (OperationCanceledException)
        {
            outcome = AuditLog.Cancelled;
            throw;
        }
        finally
        {
            var after = tool.ChangesKernel ? installations.ProgramIdsOf(owner) : [];
            audit.Call(owner, tool.Name, arguments, outcome, errorId, reason, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds, after.Except(before), before.Except(after));
        }
    }

    /// <remarks>Not async itself: a read call that joins a running one returns that call's task, with no state machine of its own.</remarks>
    private Task<CallToolResult> InvokeAsync(ToolDefinition tool, IReadOnlyDictionary<string, JsonElement>? arguments, string owner, Sink sink, CancellationToken cancellationToken)
    {
        IReadOnlyList<string>? nodes;
        try
        {
            // Without --hosts, or on a tool that stays local, ComputerName is an unknown argument.
            nodes = options.Hosts is { } hosts && FleetHosts.Serves(tool.Annotations.ReadOnlyHint == true, tool.ChangesKernel) ? hosts.Take(ref arguments) : null;
        }
        catch (ToolArgumentException e)
        {
            return Task.FromResult(ToolErrors.Result(ToolErrors.InvalidArgument(e.Argument, e.Message)));
        }
        catch (FleetNodeDeniedException e)
        {
            return Task.FromResult(ToolErrors.Result(ToolErrors.PolicyDenied(FleetHosts.ComputerNameArgument, e.Message)));
        }
        if (nodes is null && SharedCalls.Applies(tool))
        {
            // A call that joins a running one needs nothing bound: the same arguments got the same
            // binding (or the same refusal) in the call it joins. Progress and log records go to the
            // call that runs; the calls that join it get its answer.
            var given = arguments;
            return shared.RunAsync(tool, arguments, () => BindAndRunAsync(tool, given, owner, sink), cancellationToken);
        }
        return InvokeUnsharedAsync(tool, arguments, nodes, owner, sink, cancellationToken);
    }

    private async Task<CallToolResult> InvokeUnsharedAsync(ToolDefinition tool, IReadOnlyDictionary<string, JsonElement>? arguments, IReadOnlyList<string>? nodes, string owner, Sink sink, CancellationToken cancellationToken)
    {
        if (Bind(tool, arguments, out var refusal) is not { } bound)
        {
            return refusal!;
        }

        if (tool.ChangesKernel)
        {
            if (policy.Check(bound) is { } denied)
            {
                return ToolErrors.Result(denied);
            }
            if (tool.Verb == VerbsLifecycle.Install && OverQuota(owner, beforeInstall: true) is { } full)
            {
                return ToolErrors.Result(ToolErrors.QuotaExceeded(full)); // refused before anything is loaded
            }
            policy.Bind(tool, bound, () => installations.UsageOf(owner));
        }
        AddBridgeParameters(tool, bound, owner);
        if (!tool.IsTrace)
        {
            return await RunHereOrOnAsync(nodes, tool, bound, owner, sink, cancellationToken).ConfigureAwait(false);
        }
        if (bound["AsJob"] is SwitchParameter { IsPresent: true })
        {
            if (nodes is not null)
            {
                return ToolErrors.Result(ToolErrors.InvalidArgument("AsJob",
                    "A background trace runs on this node only (it lives in the bridge). Run it on other nodes in the foreground, without AsJob."));
            }
            return await StartInBackgroundAsync(tool, bound, owner, sink, cancellationToken).ConfigureAwait(false);
        }
        if (bound["Duration"] is double seconds && seconds > options.MaxCallSeconds)
        {
            return ToolErrors.Result(ToolErrors.InvalidArgument("Duration",
                $"Duration {seconds} s is longer than a call may run here ({options.MaxCallSeconds} s, below client timeouts). Use AsJob=true for longer traces (up to 3600 s), then Receive-BpfTrace or Stop-BpfTrace with its TraceId."));
        }
        // Refused, not queued: an agent should learn at once that the host is busy.
        if (Interlocked.Increment(ref runningTraces) > options.MaxTraces)
        {
            Interlocked.Decrement(ref runningTraces);
            return ToolErrors.Result(ToolErrors.TooManyTraces(options.MaxTraces));
        }
        try
        {
            return await RunHereOrOnAsync(nodes, tool, bound, owner, sink, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref runningTraces);
        }
    }

    /// <summary>The parameters the bridge itself binds: the session as -Owner, and its own process id to leave out.</summary>
    private static void AddBridgeParameters(ToolDefinition tool, Hashtable bound, string owner)
    {
        if (tool.TakesOwner)
        {
            bound[ToolDefinition.OwnerParameter] = owner;
        }
        if (tool.BoundParameters.Contains(ToolDefinition.ExcludeProcessIdParameter))
        {
            // What the bridge itself does (its file opens, its syscalls) is not what an agent asks about.
            bound[ToolDefinition.ExcludeProcessIdParameter] = new[] { Environment.ProcessId };
        }
    }

    /// <summary>A shared read call's run: a refused argument is its answer too.</summary>
    private Task<CallToolResult> BindAndRunAsync(ToolDefinition tool, IReadOnlyDictionary<string, JsonElement>? arguments, string owner, Sink sink)
    {
        if (Bind(tool, arguments, out var refusal) is not { } bound)
        {
            return Task.FromResult(refusal!);
        }
        AddBridgeParameters(tool, bound, owner);
        return RunAsync(tool, bound, owner, sink, CancellationToken.None);
    }

    /// <summary>The client's arguments as parameters, or null and the refusal that names the bad one.</summary>
    private static Hashtable? Bind(ToolDefinition tool, IReadOnlyDictionary<string, JsonElement>? arguments, out CallToolResult? refusal)
    {
        refusal = null;
        try
        {
            return ArgumentBinder.Bind(tool, arguments);
        }
        catch (ToolArgumentException e)
        {
            refusal = ToolErrors.Result(ToolErrors.InvalidArgument(e.Argument, e.Message));
            return null;
        }
    }

    /// <summary>On this node, or on the nodes ComputerName named.</summary>
    private Task<CallToolResult> RunHereOrOnAsync(IReadOnlyList<string>? nodes, ToolDefinition tool, Hashtable bound, string owner, Sink sink, CancellationToken cancellationToken) =>
        nodes is null ? RunAsync(tool, bound, owner, sink, cancellationToken) : fleet.RunAsync(tool, bound, nodes, sink, cancellationToken);

    /// <summary>
    /// A trace started with AsJob returns at once; at most --max-background-traces run at a time
    /// (counted with Get-BpfTrace, which knows every background trace of the process).
    /// </summary>
    private async Task<CallToolResult> StartInBackgroundAsync(ToolDefinition tool, Hashtable bound, string owner, Sink sink, CancellationToken cancellationToken)
    {
        await backgroundStarts.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var running = host.Invoke("Get-BpfTrace", new() { ["State"] = "Running" }).Count;
            if (running >= options.MaxBackgroundTraces)
            {
                return ToolErrors.Result(ToolErrors.TooManyBackgroundTraces(running));
            }
            return await RunAsync(tool, bound, owner, sink, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            backgroundStarts.Release();
        }
    }

    private async Task<CallToolResult> RunAsync(ToolDefinition tool, Hashtable bound, string owner, Sink sink, CancellationToken cancellationToken)
    {
        var notifications = new NotificationQueue();
        PSObject? summary = null;
        var collector = new OutputCollector(options.MaxItems, options.MaxBytes);
        using var output = new PSDataCollection<PSObject>();
        output.DataAdded += (s, e) => collector.Add(((PSDataCollection<PSObject>)s!)[e.Index]);

        var pipeline = await host.InvokeAsync(ps =>
        {
            ps.AddCommand(tool.Name).AddParameters(bound);
            if (sink.Detailed)
            {
                ps.AddParameter("Verbose").AddParameter("Debug");
            }
            Forward(ps, sink, notifications);
            ps.Streams.Information.DataAdded += (s, e) =>
            {
                var record = ((PSDataCollection<InformationRecord>)s!)[e.Index];
                if (record.Tags.Contains(TraceSummaryTag) && record.MessageData is { } data)
                {
                    summary = PSObject.AsPSObject(data);
                }
            };
        }, output, cancellationToken).ConfigureAwait(false);
        await notifications.DrainAsync().ConfigureAwait(false);

        var structured = collector.ToJson();
        var report = summary is null ? null : TraceTotals.Apply(summary, structured);
        if (pipeline.Errors.Count > 0)
        {
            structured["errors"] = new JsonArray([.. pipeline.Errors.Select(r => (JsonNode)ToolErrors.FromRecord(r))]);
        }
        var failure = pipeline.Terminating is { } terminating ? ToolErrors.FromRecord(terminating)
            : pipeline.Stopped ? ToolErrors.Error("OperationStopped", ErrorCategory.OperationStopped, "The command was stopped before it finished.")
            : pipeline.Errors.Count > 0 && collector.Total == 0 ? ToolErrors.FromRecord(pipeline.Errors[0]) // nothing but errors: the call failed
            : null;
        if (failure is null && tool.Verb == VerbsLifecycle.Install && OverQuota(owner, beforeInstall: false) is { } quota)
        {
            // The kernel's exact charge went over: remove exactly what this call installed (its
            // output), not other calls' installations.
            foreach (var id in structured["items"]!.AsArray().Select(i => (string?)i?["Id"]).OfType<string>())
            {
                installations.Remove(id, owner);
            }
            return ToolErrors.Result(ToolErrors.QuotaExceeded(quota + " The installation was removed again."));
        }
        if (failure is not null)
        {
            return ToolErrors.Result(failure, structured);
        }
        // Serialized once: the text block is the same JSON, and structuredContent is read back from it
        // (into a document of its own, not a pooled one then copied).
        var json = structured.ToJsonString(JsonOutput.TextOptions);
        return new CallToolResult
        {
            StructuredContent = JsonElement.Parse(json),
            // A trace's own text report (histogram bars, a profile's top stacks) reads better than its JSON.
            Content = [new TextContentBlock { Text = report ?? json }],
        };
    }

    /// <summary>Progress becomes notifications/progress; verbose, debug, information and warning records become log messages.</summary>
    internal static void Forward(PowerShell ps, Sink sink, NotificationQueue notifications)
    {
        if (sink.Progress is { } progress)
        {
            double step = 0;
            ps.Streams.Progress.DataAdded += (s, e) =>
            {
                var record = ((PSDataCollection<ProgressRecord>)s!)[e.Index];
                // Progress must grow: percent when the cmdlet gives it, else a step count.
                step = record.PercentComplete >= 0 ? Math.Max(step, record.PercentComplete) : step + 1;
                var value = new ProgressNotificationValue { Progress = (float)step, Total = record.PercentComplete >= 0 ? 100 : null, Message = $"{record.Activity}: {record.StatusDescription}" };
                notifications.Enqueue(() => progress(value));
            };
        }
        if (sink.Log is { } log)
        {
            ps.Streams.Verbose.DataAdded += (s, e) => notifications.Enqueue(() => log(LoggingLevel.Debug, ((PSDataCollection<VerboseRecord>)s!)[e.Index].Message));
            ps.Streams.Debug.DataAdded += (s, e) => notifications.Enqueue(() => log(LoggingLevel.Debug, ((PSDataCollection<DebugRecord>)s!)[e.Index].Message));
            ps.Streams.Information.DataAdded += (s, e) =>
            {
                var record = ((PSDataCollection<InformationRecord>)s!)[e.Index];
                if (!record.Tags.Contains(TraceSummaryTag)) // the totals go into the result itself
                {
                    notifications.Enqueue(() => log(LoggingLevel.Info, record.MessageData?.ToString() ?? ""));
                }
            };
            ps.Streams.Warning.DataAdded += (s, e) => notifications.Enqueue(() => log(LoggingLevel.Warning, ((PSDataCollection<WarningRecord>)s!)[e.Index].Message));
        }
    }

    /// <summary>
    /// Why the owner is over a quota, or null. Before an install, a full program quota already
    /// refuses (every install adds a program); after it, only what went over.
    /// </summary>
    private string? OverQuota(string owner, bool beforeInstall)
    {
        var usage = installations.UsageOf(owner);
        int programsAllowed = beforeInstall ? options.QuotaPrograms - 1 : options.QuotaPrograms;
        string? exceeded = usage.Programs > programsAllowed ? $"{usage.Programs} programs (quota {options.QuotaPrograms})"
            : usage.Maps > options.QuotaMaps ? $"{usage.Maps} maps (quota {options.QuotaMaps})"
            : usage.MemlockBytes > options.QuotaMemlockBytes ? $"{usage.MemlockBytes} bytes of locked kernel memory (quota {options.QuotaMemlockBytes})"
            : null;
        return exceeded is null ? null
            : $"This session {(beforeInstall ? "already holds" : "would hold")} {exceeded}. Uninstall something first, or start the bridge with a larger quota.";
    }

    /// <summary>Keeps the first items within the caps, and counts all of them.</summary>
    internal sealed class OutputCollector(int maxItems, int maxBytes)
    {
        private readonly JsonArray items = [];
        private readonly object gate = new();
        private long bytes;
        private bool truncated;

        public int Total { get; private set; }

        /// <param name="shape">Changes the item's JSON before it is kept (a remote node's item gets its node).</param>
        public void Add(PSObject item, Func<JsonNode?, JsonNode?>? shape = null)
        {
            lock (gate)
            {
                Total++;
                if (truncated)
                {
                    return;
                }
                var node = JsonOutput.ToNode(item);
                if (shape is not null)
                {
                    node = shape(node);
                }
                var size = node?.ToJsonString().Length ?? 4;
                if (items.Count >= maxItems || bytes + size > maxBytes)
                {
                    truncated = true;
                    return;
                }
                bytes += size;
                items.Add(node);
            }
        }

        /// <summary>The result object; called once, when the pipeline has ended (the items move into it).</summary>
        public JsonObject ToJson()
        {
            lock (gate)
            {
                return new JsonObject
                {
                    ["items"] = items,
                    ["count"] = items.Count,
                    ["total"] = Total,
                    ["truncated"] = truncated,
                };
            }
        }
    }

    /// <summary>Sends notifications one after another, in the order the pipeline produced them.</summary>
    internal sealed class NotificationQueue
    {
        private Task tail = Task.CompletedTask;
        private readonly object gate = new();

        public void Enqueue(Func<Task> send)
        {
            lock (gate)
            {
                tail = tail.ContinueWith(async _ =>
                {
                    try { await send().ConfigureAwait(false); }
                    catch (Exception) { /* a client that went away must not fail the call */ }
                }, TaskScheduler.Default).Unwrap();
            }
        }

        public Task DrainAsync()
        {
            lock (gate)
            {
                return tail;
            }
        }
    }
}
