using System.Collections.Concurrent;
using System.Text.Json;
using ModelContextProtocol.Protocol;

namespace EbpfMcp.Bridge.Tools;

/// <summary>
/// Identical read-only calls that arrive while one of them runs share its answer: under many
/// clients asking for the same hooks, maps or kernel facts at once, the kernel is asked once, not
/// once per client. An answer is never older than the call that joins it (it was still being made
/// when that call arrived), and nothing is kept once it is given. Only for read calls whose answer
/// does not depend on the caller: no traces, nothing bound to the session.
/// </summary>
public sealed class SharedCalls
{
    private readonly ConcurrentDictionary<string, Task<CallToolResult>> running = new(StringComparer.Ordinal);

    public static bool Applies(ToolDefinition tool) => tool.Annotations.ReadOnlyHint == true && !tool.IsTrace && !tool.TakesOwner;

    /// <summary>
    /// The answer of the running call with the same tool and arguments, or of a new one started with
    /// <paramref name="run"/>. The shared run is not cancelled by one caller going away (the others
    /// still wait for it); a caller that cancels stops waiting.
    /// </summary>
    public async Task<CallToolResult> RunAsync(ToolDefinition tool, IReadOnlyDictionary<string, JsonElement>? arguments, Func<Task<CallToolResult>> run, CancellationToken cancellationToken)
    {
        var key = Key(tool, arguments);
        var started = new TaskCompletionSource<Task<CallToolResult>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var mine = started.Task.Unwrap();
        var shared = running.GetOrAdd(key, mine);
        if (ReferenceEquals(shared, mine))
        {
            // This call starts it (a joining call runs nothing); the next identical call after it ends
            // starts afresh. Started on this thread: it only queues the pipeline before its first
            // await, and a hop to the thread pool here cost a wake-up per call.
            Task<CallToolResult> task;
            try
            {
                task = run();
            }
            catch (Exception e)
            {
                task = Task.FromException<CallToolResult>(e); // the joining calls must not wait for ever
            }
            started.SetResult(task);
            _ = shared.ContinueWith(_ => running.TryRemove(KeyValuePair.Create(key, shared)), TaskScheduler.Default);
        }
        return await shared.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Key(ToolDefinition tool, IReadOnlyDictionary<string, JsonElement>? arguments) =>
        arguments is null || arguments.Count == 0 ? tool.Name
            : tool.Name + "\n" + string.Join("\n", arguments.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => a.Key + "=" + a.Value.GetRawText()));
}
