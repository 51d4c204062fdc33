using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace EbpfMcp.Bridge;

/// <summary>
/// A warm pool of PowerShell runspaces with the EbpfMcp module (and any extra modules) imported.
/// Every tool call gets its own PowerShell instance from the pool.
/// </summary>
public sealed class PowerShellHost : IDisposable
{
    private readonly RunspacePool pool;

    public PowerShellHost(IReadOnlyList<string> modules, int poolSize)
    {
        Modules = modules;
        var state = InitialSessionState.CreateDefault2();
        state.ImportPSModule([.. modules]);
        state.ThrowOnRunspaceOpenError = true;
        pool = RunspaceFactory.CreateRunspacePool(state);
        pool.SetMinRunspaces(1);
        pool.SetMaxRunspaces(poolSize);
        pool.ThreadOptions = PSThreadOptions.ReuseThread;
        pool.Open();
    }

    public IReadOnlyList<string> Modules { get; }

    /// <summary>A PowerShell bound to the pool; the caller disposes it.</summary>
    public PowerShell Create()
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
        var output = ps.Invoke().ToList();
        if (ps.HadErrors && ps.Streams.Error.Count > 0)
        {
            throw new InvalidOperationException($"PowerShell: {ps.Streams.Error[0]}");
        }
        return output;
    }

    /// <summary>
    /// Runs one command with named parameters (the bridge's own questions to the module); a
    /// terminating or written error becomes an exception.
    /// </summary>
    public List<PSObject> Invoke(string command, Dictionary<string, object?> parameters)
    {
        using var ps = Create();
        ps.AddCommand(command).AddParameters(parameters);
        var output = ps.Invoke().ToList();
        if (ps.HadErrors && ps.Streams.Error.Count > 0)
        {
            throw new InvalidOperationException($"{command}: {ps.Streams.Error[0]}");
        }
        return output;
    }

    public void Dispose() => pool.Dispose();

    /// <summary>The EbpfMcp module manifest in Modules/EbpfMcp beside the bridge (the build copies the module there).</summary>
    public static string DefaultModuleManifest()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "Modules", "EbpfMcp", "EbpfMcp.psd1");
        if (File.Exists(beside))
        {
            return beside;
        }
        throw new FileNotFoundException($"The EbpfMcp module manifest was not found at {beside}.");
    }
}
