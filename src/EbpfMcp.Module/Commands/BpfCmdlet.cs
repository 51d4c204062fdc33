using System.Management.Automation;
using EbpfMcp.Native;

namespace EbpfMcp.Commands;

/// <summary>
/// Base of the module's cmdlets: checks that libbpf can be used before any work, and turns
/// <see cref="BpfException"/> into ErrorRecords with stable ids and fitting categories.
/// </summary>
public abstract class BpfCmdlet : PSCmdlet
{
    protected override void BeginProcessing()
    {
        try
        {
            LibBpfLibrary.EnsureAvailable();
        }
        catch (DllNotFoundException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "LibbpfNotFound", ErrorCategory.NotInstalled, null));
        }
        catch (PlatformNotSupportedException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "PlatformNotSupported", ErrorCategory.NotImplemented, null));
        }
    }

    /// <summary>Stops the pipeline with an ErrorRecord built from a kernel/libbpf failure.</summary>
    protected void Terminate(BpfException e, object? target) => ThrowTerminatingError(BpfErrorRecord.From(e, target));

    /// <summary>Reports a non-terminating error (one bad item among several).</summary>
    protected void Report(BpfException e, object? target) => WriteError(BpfErrorRecord.From(e, target));
}
