using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace EbpfMcp.Bridge;

/// <summary>
/// Warm PowerShell runspaces with the EbpfMcp module (and any extra modules) imported, each owned
/// by one worker thread that runs the pipelines it takes from a shared queue on that thread
/// (PSThreadOptions.UseCurrentThread). Every tool call gets its own PowerShell instance. Workers
/// start on demand up to the pool size. A call that is cancelled gets its pipeline stopped; if the
/// command ignores the stop, the call still ends and one more worker may start until that pipeline
/// ends, so a stuck command never starves later calls.
/// </summary>
/// <remarks>
/// Why not a RunspacePool: under load its hand-offs (queued runspace request, pipeline thread,
/// completion callbacks) cost more CPU than the read commands themselves; here a call is one
/// queue hand-off to a worker and one completion.
/// </remarks>
public sealed class PowerShellHost : IDisposable
{
    /// <summary>How long a stopped pipeline may take to end before its runspace is written off.</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(3);

    // PowerShell gives its own pipeline threads this much stack (deeply nested scripts).
    private const int WorkerStackBytes = 10_000_000;

    private readonly InitialSessionState state;
    private readonly RunspaceWorkQueue queue = new();
    private readonly int poolSize;
    private int workers;   // started and not yet ended
    private int abandoned; // pipelines that ignored their stop and still run
    private int limit;     // poolSize, plus one per abandoned pipeline (at most doubled)

    /// <exception cref="ModuleLoadException">A module could not be found or imported.</exception>
    public PowerShellHost(IReadOnlyList<string> modules, int poolSize)
    {
        foreach (var module in modules.Where(m => !File.Exists(m)))
        {
            throw new ModuleLoadException($"the module manifest '{module}' does not exist.");
        }
        Modules = modules;
        this.poolSize = poolSize;
        limit = poolSize;
        state = InitialSessionState.CreateDefault2();
        // The bridge never formats objects for display (results are serialized, text blocks come from the
        // objects themselves), so the built-in format data, ~6 MB resident, is not loaded.
        state.Formats.Clear();
        state.ImportPSModule([.. modules]);
        state.ThrowOnRunspaceOpenError = true;
        // The first runspace opens here, so a module that cannot be imported fails the start.
        Runspace first;
        try
        {
            first = OpenRunspace();
        }
        catch (RunspaceOpenModuleLoadException e)
        {
            throw new ModuleLoadException($"a module could not be imported ({string.Join(", ", modules)}): {e.ErrorRecords?.FirstOrDefault()?.ToString() ?? e.Message}");
        }
        workers = 1;
        StartThread(first);
    }

    public IReadOnlyList<string> Modules { get; }

    /// <summary>What a pipeline ended with.</summary>
    public sealed record PipelineResult(IReadOnlyList<ErrorRecord> Errors, ErrorRecord? Terminating, bool Stopped);

    /// <summary>
    /// Runs a pipeline that <paramref name="prepare"/> sets up (commands, parameters, stream
    /// handlers). Cancellation stops it; the call ends with <see cref="OperationCanceledException"/>
    /// even when the command does not stop.
    /// </summary>
    public async Task<PipelineResult> InvokeAsync(Action<PowerShell> prepare, PSDataCollection<PSObject> output, CancellationToken cancellationToken)
    {
        var ps = PowerShell.Create();
        prepare(ps);
        var work = Enqueue(ps, output);
        try
        {
            var result = await work.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!cancellationToken.IsCancellationRequested)
            {
                ps.Dispose();
                return result;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        // Cancelled (perhaps while still queued: then it never runs). Stopped here rather than from a
        // callback on the token: this code may be running inside the token's Cancel(), where a
        // callback registered earlier would never get its turn.
        if (work.Cancel())
        {
            ps.BeginStop(null, null);
            if (await Task.WhenAny(work.Completion, Task.Delay(StopGrace, CancellationToken.None)).ConfigureAwait(false) != work.Completion && Abandon(work))
            {
                throw new OperationCanceledException(cancellationToken); // its worker disposes it when it ends
            }
        }
        ps.Dispose();
        throw new OperationCanceledException(cancellationToken);
    }

    private RunspaceWork Enqueue(PowerShell ps, PSDataCollection<PSObject> output)
    {
        var work = new RunspaceWork(ps, output);
        // More work waiting than workers waiting for it: one more worker, while under the limit.
        if (queue.Add(work))
        {
            TryAddWorker();
        }
        return work;
    }

    private void TryAddWorker()
    {
        int count = Volatile.Read(ref workers);
        while (count < Volatile.Read(ref limit))
        {
            if (Interlocked.CompareExchange(ref workers, count + 1, count) == count)
            {
                StartThread(null);
                return;
            }
            count = Volatile.Read(ref workers);
        }
    }

    private void StartThread(Runspace? runspace)
    {
        var thread = new Thread(() => Work(runspace), WorkerStackBytes) { IsBackground = true, Name = "ebpf-mcp runspace" };
        thread.Start();
    }

    private Runspace OpenRunspace()
    {
        var runspace = RunspaceFactory.CreateRunspace(state);
        runspace.ThreadOptions = PSThreadOptions.UseCurrentThread;
        try
        {
            runspace.Open();
        }
        catch
        {
            runspace.Dispose();
            throw;
        }
        return runspace;
    }

    /// <summary>A worker: opens its runspace (unless given one), then runs queued pipelines until the host is disposed.</summary>
    private void Work(Runspace? runspace)
    {
        try
        {
            runspace ??= OpenRunspace();
            while (queue.TryTake(out var work))
            {
                work.Run(runspace);
                if (runspace.RunspaceStateInfo.State != RunspaceState.Opened)
                {
                    runspace.Dispose();
                    runspace = OpenRunspace();
                }
                if (work.Abandoned is { } raisedLimit)
                {
                    // Its caller gave up on it; a worker that started meanwhile may take this one's place.
                    work.DisposePowerShell();
                    Ended(raisedLimit);
                }
                // Above the limit (an abandoned pipeline ended): this worker is the one too many.
                int count = Volatile.Read(ref workers);
                if (count > Volatile.Read(ref limit) && Interlocked.CompareExchange(ref workers, count - 1, count) == count)
                {
                    return;
                }
            }
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"ebpf-mcp: a runspace worker ended: {e.Message}");
            Interlocked.Decrement(ref workers);
        }
        finally
        {
            runspace?.Dispose();
        }
    }

    /// <summary>
    /// Writes off the worker of a pipeline that ignored its stop: one more worker may start until it
    /// ends (at most doubling them: a client that keeps sending commands that never stop gets queued).
    /// False when the pipeline ended meanwhile.
    /// </summary>
    private bool Abandon(RunspaceWork work)
    {
        bool raises = Interlocked.Increment(ref abandoned) <= poolSize;
        if (raises)
        {
            Interlocked.Increment(ref limit);
            // Calls that arrived while this one was being stopped found no worker free and none to
            // start: one starts now for them.
            if (queue.Backlogged)
            {
                TryAddWorker();
            }
        }
        if (work.Abandon(raises))
        {
            if (raises)
            {
                Console.Error.WriteLine($"ebpf-mcp: a cancelled command did not stop within {StopGrace.TotalSeconds:0} s; its runspace is replaced until it ends.");
            }
            return true;
        }
        Ended(raises);
        return false;
    }

    /// <summary>An abandoned pipeline ended: its limit raise is undone.</summary>
    private void Ended(bool raisedLimit)
    {
        Interlocked.Decrement(ref abandoned);
        if (raisedLimit)
        {
            Interlocked.Decrement(ref limit);
        }
    }

    /// <summary>Runs a short script synchronously (start-up reflection).</summary>
    public List<PSObject> Run(string script, IDictionary<string, object?>? parameters = null)
    {
        using var ps = PowerShell.Create();
        ps.AddScript(script);
        if (parameters is not null)
        {
            ps.AddParameters((System.Collections.IDictionary)parameters);
        }
        return Collect(ps, "PowerShell");
    }

    /// <summary>
    /// Runs one command with named parameters (the bridge's own questions to the module); a
    /// terminating or written error becomes an exception.
    /// </summary>
    public List<PSObject> Invoke(string command, Dictionary<string, object?> parameters)
    {
        using var ps = PowerShell.Create();
        ps.AddCommand(command).AddParameters(parameters);
        return Collect(ps, command);
    }

    private List<PSObject> Collect(PowerShell ps, string what)
    {
        using var output = new PSDataCollection<PSObject>();
        var result = Enqueue(ps, output).Completion.GetAwaiter().GetResult();
        if (result.Terminating is { } terminating)
        {
            throw new InvalidOperationException($"{what}: {terminating}", terminating.Exception);
        }
        if (result.Errors.Count > 0)
        {
            throw new InvalidOperationException($"{what}: {result.Errors[0]}");
        }
        return [.. output];
    }

    /// <summary>Workers end when they have run what is queued; a pipeline that never ends keeps its (background) thread.</summary>
    public void Dispose() => queue.Complete();

    /// <summary>The EbpfMcp module manifest in Modules/EbpfMcp beside the bridge (the build copies the module there).</summary>
    public static string DefaultModuleManifest() => Path.Combine(AppContext.BaseDirectory, "Modules", "EbpfMcp", "EbpfMcp.psd1");
}

/// <summary>A module the bridge was asked to serve could not be loaded.</summary>
public sealed class ModuleLoadException(string message) : Exception(message);
