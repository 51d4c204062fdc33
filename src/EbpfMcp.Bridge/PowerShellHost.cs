using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace EbpfMcp.Bridge;

/// <summary>
/// A warm pool of PowerShell runspaces with the EbpfMcp module (and any extra modules) imported.
/// Every tool call gets its own PowerShell instance from the pool. A call that is cancelled gets
/// its pipeline stopped; if the command ignores the stop, the call still ends and the pool grows
/// by one runspace until that pipeline ends, so a stuck command never starves later calls.
/// </summary>
public sealed class PowerShellHost : IDisposable
{
    /// <summary>How long a stopped pipeline may take to end before its runspace is written off.</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(3);

    private readonly RunspacePool pool;
    private readonly int poolSize;
    private int abandoned;

    /// <exception cref="ModuleLoadException">A module could not be found or imported.</exception>
    public PowerShellHost(IReadOnlyList<string> modules, int poolSize)
    {
        foreach (var module in modules.Where(m => !File.Exists(m)))
        {
            throw new ModuleLoadException($"the module manifest '{module}' does not exist.");
        }
        Modules = modules;
        this.poolSize = poolSize;
        var state = InitialSessionState.CreateDefault2();
        // The bridge never formats objects for display (results are serialized, text blocks come from the
        // objects themselves), so the built-in format data, ~6 MB resident, is not loaded.
        state.Formats.Clear();
        state.ImportPSModule([.. modules]);
        state.ThrowOnRunspaceOpenError = true;
        pool = RunspaceFactory.CreateRunspacePool(state);
        pool.SetMinRunspaces(1);
        pool.SetMaxRunspaces(poolSize);
        pool.ThreadOptions = PSThreadOptions.ReuseThread;
        try
        {
            pool.Open();
        }
        catch (RunspaceOpenModuleLoadException e)
        {
            pool.Dispose();
            throw new ModuleLoadException($"a module could not be imported ({string.Join(", ", modules)}): {e.ErrorRecords?.FirstOrDefault()?.ToString() ?? e.Message}");
        }
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
        var ps = Create();
        prepare(ps);
        var invocation = Run(ps, output);
        try
        {
            var result = await invocation.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!cancellationToken.IsCancellationRequested)
            {
                ps.Dispose();
                return result;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        // Stopped here rather than from a callback on the token: this code may be running inside
        // the token's Cancel(), where a callback registered earlier would never get its turn.
        ps.BeginStop(null, null);
        // Cancelled (perhaps while still queued for a runspace): never reported as a result.
        if (await Task.WhenAny(invocation, Task.Delay(StopGrace, CancellationToken.None)).ConfigureAwait(false) == invocation)
        {
            ps.Dispose();
        }
        else
        {
            Abandon(ps, invocation);
        }
        throw new OperationCanceledException(cancellationToken);
    }

    private static async Task<PipelineResult> Run(PowerShell ps, PSDataCollection<PSObject> output)
    {
        ErrorRecord? terminating = null;
        bool stopped = false;
        try
        {
            await ps.InvokeAsync<PSObject, PSObject>(null, output).ConfigureAwait(false);
        }
        catch (PipelineStoppedException)
        {
            stopped = true;
        }
        catch (RuntimeException e)
        {
            terminating = e.ErrorRecord;
        }
        return new PipelineResult([.. ps.Streams.Error], terminating, stopped);
    }

    /// <summary>Writes off the runspace of a pipeline that ignored its stop: the pool grows until it ends.</summary>
    private void Abandon(PowerShell ps, Task invocation)
    {
        // At most doubling the pool: a client that keeps sending commands that never stop gets queued.
        if (Interlocked.Increment(ref abandoned) <= poolSize)
        {
            lock (pool)
            {
                pool.SetMaxRunspaces(pool.GetMaxRunspaces() + 1);
            }
            Console.Error.WriteLine($"ebpf-mcp: a cancelled command did not stop within {StopGrace.TotalSeconds:0} s; its runspace is replaced until it ends.");
        }
        invocation.ContinueWith(_ =>
        {
            if (Interlocked.Decrement(ref abandoned) < poolSize)
            {
                lock (pool)
                {
                    pool.SetMaxRunspaces(pool.GetMaxRunspaces() - 1);
                }
            }
            ps.Dispose();
        }, TaskScheduler.Default);
    }

    /// <summary>A PowerShell bound to the pool; the caller disposes it.</summary>
    private PowerShell Create()
    {
        var ps = PowerShell.Create();
        ps.RunspacePool = pool;
        return ps;
    }

    /// <summary>Runs a short script synchronously (start-up reflection).</summary>
    public List<PSObject> Run(string script, IDictionary<string, object?>? parameters = null)
    {
        using var ps = Create();
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
        using var ps = Create();
        ps.AddCommand(command).AddParameters(parameters);
        return Collect(ps, command);
    }

    private static List<PSObject> Collect(PowerShell ps, string what)
    {
        var output = ps.Invoke().ToList();
        if (ps.HadErrors && ps.Streams.Error.Count > 0)
        {
            throw new InvalidOperationException($"{what}: {ps.Streams.Error[0]}");
        }
        return output;
    }

    public void Dispose() => pool.Dispose();

    /// <summary>The EbpfMcp module manifest in Modules/EbpfMcp beside the bridge (the build copies the module there).</summary>
    public static string DefaultModuleManifest() => Path.Combine(AppContext.BaseDirectory, "Modules", "EbpfMcp", "EbpfMcp.psd1");
}

/// <summary>A module the bridge was asked to serve could not be loaded.</summary>
public sealed class ModuleLoadException(string message) : Exception(message);
