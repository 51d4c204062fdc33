using System.Collections;
using System.Management.Automation;
using System.Text.Json;
using System.Text.Json.Nodes;
using EbpfMcp.Bridge.Ownership;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace EbpfMcp.Bridge.Tools;

/// <summary>
/// Runs one tool call as a PowerShell pipeline from the warm pool: binds arguments, streams
/// progress and log records to the client, caps the output, stops the pipeline on cancellation,
/// and shapes the result (structuredContent plus the same data as text).
/// </summary>
public sealed class ToolInvoker(PowerShellHost host, BridgeOptions options, AuditLog audit, SessionInstallations installations)
{
    private readonly DeployPolicy policy = new(options.AllowSources);
    private int runningTraces;

    /// <summary>Where progress and log records go; <paramref name="Detailed"/> asks for verbose and debug records too.</summary>
    public sealed record Sink(Func<ProgressNotificationValue, Task>? Progress, Func<LoggingLevel, string, Task>? Log, bool Detailed = false);

    public async Task<CallToolResult> CallAsync(ToolDefinition tool, IReadOnlyDictionary<string, JsonElement>? arguments, string owner, Sink sink, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var before = tool.ChangesKernel ? installations.ProgramIdsOf(owner) : [];
        var outcome = "error";
        string? errorId = null;
        try
        {
            var result = await InvokeAsync(tool, arguments, owner, sink, cancellationToken).ConfigureAwait(false);
            outcome = result.IsError == true ? "error" : "ok";
            errorId = result.IsError == true ? result.StructuredContent?.GetProperty("error").GetProperty("errorId").GetString() : null;
            return result;
        }
        catch (OperationCanceledException)
        {
            outcome = "cancelled";
            throw;
        }
        finally
        {
            var after = tool.ChangesKernel ? installations.ProgramIdsOf(owner) : [];
            audit.Write(owner, tool.Name, arguments, outcome, errorId, clock.Elapsed.TotalMilliseconds, after.Except(before), before.Except(after));
        }
    }

    private async Task<CallToolResult> InvokeAsync(ToolDefinition tool, IReadOnlyDictionary<string, JsonElement>? arguments, string owner, Sink sink, CancellationToken cancellationToken)
    {
        Hashtable bound;
        try
        {
            bound = ArgumentBinder.Bind(tool, arguments);
        }
        catch (ToolArgumentException e)
        {
            return ErrorResult(new JsonObject
            {
                ["errorId"] = "InvalidArgument",
                ["category"] = nameof(ErrorCategory.InvalidArgument),
                ["message"] = e.Message,
                ["target"] = e.Argument,
            });
        }

        if (tool.ChangesKernel && policy.Check(bound) is { } denied)
        {
            return ErrorResult(denied);
        }
        if (tool.Verb == VerbsLifecycle.Install && OverQuota(owner, beforeInstall: true) is { } full)
        {
            return ErrorResult(QuotaExceeded(full)); // refused before anything is loaded
        }
        if (tool.IsTrace)
        {
            // Refused, not queued: an agent should learn at once that the host is busy.
            if (Interlocked.Increment(ref runningTraces) > options.MaxTraces)
            {
                Interlocked.Decrement(ref runningTraces);
                return ErrorResult(new JsonObject
                {
                    ["errorId"] = "TooManyTraces",
                    ["category"] = nameof(ErrorCategory.ResourceBusy),
                    ["message"] = $"{options.MaxTraces} traces are already running on this host (--max-traces); try again when one has finished.",
                });
            }
            try
            {
                return await RunAsync(tool, bound, owner, sink, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref runningTraces);
            }
        }
        return await RunAsync(tool, bound, owner, sink, cancellationToken).ConfigureAwait(false);
    }

    private async Task<CallToolResult> RunAsync(ToolDefinition tool, Hashtable bound, string owner, Sink sink, CancellationToken cancellationToken)
    {
        using var ps = host.Create();
        ps.AddCommand(tool.Name).AddParameters(bound);
        if (tool.TakesOwner)
        {
            ps.AddParameter(ToolDefinition.OwnerParameter, owner);
        }
        if (sink.Detailed)
        {
            ps.AddParameter("Verbose").AddParameter("Debug");
        }

        var notifications = new NotificationQueue();
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
            ps.Streams.Information.DataAdded += (s, e) => notifications.Enqueue(() => log(LoggingLevel.Info, ((PSDataCollection<InformationRecord>)s!)[e.Index].MessageData?.ToString() ?? ""));
            ps.Streams.Warning.DataAdded += (s, e) => notifications.Enqueue(() => log(LoggingLevel.Warning, ((PSDataCollection<WarningRecord>)s!)[e.Index].Message));
        }

        var collector = new OutputCollector(options.MaxItems, options.MaxBytes);
        using var output = new PSDataCollection<PSObject>();
        output.DataAdded += (s, e) => collector.Add(((PSDataCollection<PSObject>)s!)[e.Index]);

        JsonObject? failure = null;
        using (cancellationToken.Register(() => ps.BeginStop(null, null)))
        {
            try
            {
                await ps.InvokeAsync<PSObject, PSObject>(null, output).ConfigureAwait(false);
            }
            catch (PipelineStoppedException)
            {
                failure = Error("OperationStopped", nameof(ErrorCategory.OperationStopped), "The call was cancelled; the pipeline was stopped.", null);
            }
            catch (RuntimeException e)
            {
                failure = ErrorJson(e.ErrorRecord);
            }
        }
        await notifications.DrainAsync().ConfigureAwait(false);

        var errors = new JsonArray(ps.Streams.Error.Select(r => (JsonNode)ErrorJson(r)).ToArray());
        var structured = collector.ToJson();
        if (errors.Count > 0)
        {
            structured["errors"] = errors;
        }
        if (failure is null && errors.Count > 0 && collector.Total == 0)
        {
            failure = (JsonObject)errors[0]!.DeepClone(); // nothing but errors: the call failed
        }
        if (failure is null && tool.Verb == VerbsLifecycle.Install && OverQuota(owner, beforeInstall: false) is { } quota)
        {
            // Remove exactly what this call installed (its output), not other calls' installations.
            foreach (var id in structured["items"]!.AsArray().Select(i => (string?)i?["Id"]).OfType<string>())
            {
                installations.Remove(id, owner);
            }
            return ErrorResult(QuotaExceeded(quota + " The installation was removed again."));
        }
        if (failure is not null)
        {
            structured["error"] = failure;
            return new CallToolResult
            {
                IsError = true,
                StructuredContent = JsonSerializer.SerializeToElement(structured),
                Content = [new TextContentBlock { Text = ErrorText(failure) }],
            };
        }
        var json = structured.ToJsonString();
        return new CallToolResult
        {
            StructuredContent = JsonSerializer.SerializeToElement(structured),
            Content = [new TextContentBlock { Text = json }],
        };
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

    private static JsonObject QuotaExceeded(string message) => new()
    {
        ["errorId"] = "QuotaExceeded",
        ["category"] = nameof(ErrorCategory.QuotaExceeded),
        ["message"] = message,
    };

    public static CallToolResult ErrorResult(JsonObject error)
    {
        var structured = new JsonObject { ["items"] = new JsonArray(), ["count"] = 0, ["total"] = 0, ["truncated"] = false, ["error"] = error };
        return new CallToolResult
        {
            IsError = true,
            StructuredContent = JsonSerializer.SerializeToElement(structured),
            Content = [new TextContentBlock { Text = ErrorText(error) }],
        };
    }

    public static string ErrorText(JsonObject error)
    {
        var text = $"Error {error["errorId"]} ({error["category"]}): {error["message"]}";
        if (error["verifierLog"] is JsonNode log)
        {
            text += "\nVerifier log (end):\n" + log.GetValue<string>();
        }
        return text;
    }

    private static JsonObject Error(string id, string category, string message, object? target) => new()
    {
        ["errorId"] = id,
        ["category"] = category,
        ["message"] = message,
        ["target"] = JsonOutput.ToNode(target),
    };

    /// <summary>The facts of an ErrorRecord, plus the eBPF details its exception carries (errno, logs).</summary>
    public static JsonObject ErrorJson(ErrorRecord record)
    {
        var json = Error(record.FullyQualifiedErrorId, record.CategoryInfo.Category.ToString(), record.ErrorDetails?.Message ?? record.Exception.Message, record.TargetObject);
        if (record.ErrorDetails?.RecommendedAction is { Length: > 0 } action)
        {
            json["recommendedAction"] = action;
        }
        // Read by name so any exception type with these properties is reported the same way.
        foreach (var (property, key) in new[] { ("ErrnoName", "errno"), ("VerifierLog", "verifierLog"), ("LibbpfLog", "libbpfLog") })
        {
            if (record.Exception.GetType().GetProperty(property)?.GetValue(record.Exception) is string value)
            {
                json[key] = value;
            }
        }
        return json;
    }

    /// <summary>Keeps the first items within the caps, and counts all of them.</summary>
    private sealed class OutputCollector(int maxItems, int maxBytes)
    {
        private readonly JsonArray items = [];
        private readonly object gate = new();
        private long bytes;
        private bool truncated;

        public int Total { get; private set; }

        public void Add(PSObject item)
        {
            lock (gate)
            {
                Total++;
                if (truncated)
                {
                    return;
                }
                var node = JsonOutput.ToNode(item);
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

        public JsonObject ToJson()
        {
            lock (gate)
            {
                return new JsonObject
                {
                    ["items"] = items.DeepClone(),
                    ["count"] = items.Count,
                    ["total"] = Total,
                    ["truncated"] = truncated,
                };
            }
        }
    }

    /// <summary>Sends notifications one after another, in the order the pipeline produced them.</summary>
    private sealed class NotificationQueue
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
