using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace EbpfMcp.Tests.Infrastructure;

/// <summary>
/// A real PowerShell engine (System.Management.Automation) with the built module imported from
/// out/EbpfMcp, the way a pwsh user gets it. Scripts run on the calling thread, so per-thread
/// state such as dropped capabilities applies to them.
/// </summary>
public sealed class PowerShellSession : IDisposable
{
    private readonly Runspace runspace;
    private readonly bool onCallingThread;
    private volatile PowerShell? current;

    /// <param name="onCallingThread">
    /// Run scripts on the calling thread (so per-thread capabilities apply); false gives the engine
    /// its own pipeline thread, which a stop request from another thread needs.
    /// </param>
    public PowerShellSession(bool onCallingThread = true)
    {
        this.onCallingThread = onCallingThread;
        var state = InitialSessionState.CreateDefault2();
        runspace = RunspaceFactory.CreateRunspace(state);
        runspace.ThreadOptions = onCallingThread ? PSThreadOptions.UseCurrentThread : PSThreadOptions.ReuseThread;
        runspace.Open();
        var result = Run($"Import-Module '{TestObjects.ModuleManifest}' -PassThru");
        if (result.Errors.Count > 0)
        {
            throw new InvalidOperationException("Import-Module failed: " + result.Errors[0]);
        }
    }

    /// <summary>The warnings the last script wrote.</summary>
    public IReadOnlyList<string> LastWarnings { get; private set; } = [];

    public sealed record Result(Collection<PSObject> Output, IReadOnlyList<ErrorRecord> Errors, Exception? Terminating);

    /// <summary>Runs a script; terminating errors come back in <see cref="Result.Terminating"/>, not thrown.</summary>
    public Result Run(string script, IDictionary<string, object?>? variables = null)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = runspace;
        current = ps;
        foreach (var (name, value) in variables ?? new Dictionary<string, object?>())
        {
            runspace.SessionStateProxy.SetVariable(name, value);
        }
        ps.AddScript(script);
        try
        {
            // Asynchronous invocation is what PowerShell.Stop() can interrupt from another thread.
            var output = onCallingThread ? ps.Invoke() : new Collection<PSObject>(ps.EndInvoke(ps.BeginInvoke()).ToList());
            LastWarnings = [.. ps.Streams.Warning.Select(w => w.Message)];
            return new Result(output, [.. ps.Streams.Error], null);
        }
        catch (RuntimeException e)
        {
            return new Result([], [.. ps.Streams.Error], e);
        }
    }

    /// <summary>Runs a script that must succeed without errors; returns its output.</summary>
    public Collection<PSObject> Ok(string script, IDictionary<string, object?>? variables = null)
    {
        var r = Run(script, variables);
        if (r.Terminating is not null)
        {
            throw new Xunit.Sdk.XunitException($"Script failed: {r.Terminating.Message}\n{script}");
        }
        Assert.True(r.Errors.Count == 0, $"Script wrote errors: {string.Join("; ", r.Errors)}\n{script}");
        return r.Output;
    }

    /// <summary>The ErrorRecord of a terminating error (thrown by ThrowTerminatingError).</summary>
    public ErrorRecord Fails(string script, IDictionary<string, object?>? variables = null)
    {
        var r = Run(script, variables);
        var record = (r.Terminating as IContainsErrorRecord)?.ErrorRecord ?? r.Errors.FirstOrDefault();
        Assert.True(record is not null, $"Expected the script to fail, it returned {r.Output.Count} object(s):\n{script}");
        return record!;
    }

    /// <summary>
    /// Asks the running script to stop, as Ctrl+C does in pwsh; the caller awaits the script.
    /// (The synchronous PowerShell.Stop() intermittently throws NullReferenceException inside the
    /// engine when called from another thread; the asynchronous form does not.)
    /// </summary>
    public void Stop() => current?.BeginStop(null, null);

    public void Dispose() => runspace.Dispose();
}
