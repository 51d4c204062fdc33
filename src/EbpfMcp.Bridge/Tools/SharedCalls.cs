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
    /// <remarks>
    /// Under many clients most calls join (83% of them in the bench's load): a joining call only
    /// looks the running one up and waits; it allocates nothing for a run it does not start.
    /// </remarks>
    public Task<CallToolResult> RunAsync(ToolDefinition tool, IReadOnlyDictionary<string, JsonElement>? arguments, Func<Task<CallToolResult>> run, CancellationToken cancellationToken)
    {
        var key = Key(tool, arguments);
        if (running.TryGetValue(key, out var joined))
        {
            return joined.WaitAsync(cancellationToken);
        }
        // Joining calls wait on this; their continuations go to the thread pool, each its own request.
        var answer = new TaskCompletionSource<CallToolResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var shared = running.GetOrAdd(key, answer.Task);
        if (!ReferenceEquals(shared, answer.Task))
        {
            return shared.WaitAsync(cancellationToken);
        }
        // This call starts it, on this thread: it only queues the pipeline before its first await,
        // and a hop to the thread pool here cost a wake-up per call.
        Task<CallToolResult> task;
        try
        {
            task = run();
        }
        catch (Exception e)
        {
            task = Task.FromException<CallToolResult>(e); // the joining calls must not wait for ever
        }
        _ = HandOverAsync(key, task, answer);
        return task.WaitAsync(cancellationToken);
    }

    /// <summary>Once the run ends, the next identical call starts afresh and the joined ones get its answer.</summary>
    private async Task HandOverAsync(string key, Task<CallToolResult> task, TaskCompletionSource<CallToolResult> answer)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Given to the joined calls below; the starting call sees it on its own.
        }
        running.TryRemove(KeyValuePair.Create(key, answer.Task));
        answer.SetFromTask(task);
    }

    private static string Key(ToolDefinition tool, IReadOnlyDictionary<string, JsonElement>? arguments) =>
        arguments is null || arguments.Count == 0 ? tool.Name
            : tool.Name + "\n" + string.Join("\n", arguments.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => a.Key + "=" + a.Value.GetRawText()));
}
