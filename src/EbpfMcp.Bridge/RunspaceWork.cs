using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace EbpfMcp.Bridge;

/// <summary>
/// One pipeline queued for a runspace worker (<see cref="PowerShellHost"/>). Its state says who
/// may still touch it: cancelled while queued, it never runs; abandoned while running (its stop
/// was ignored), the worker disposes it when it ends, the caller having gone.
/// </summary>
internal sealed class RunspaceWork(PowerShell ps, PSDataCollection<PSObject> output)
{
    private const int Queued = 0, Running = 1, Done = 2, Cancelled = 3, AbandonedRaising = 4, AbandonedQuietly = 5;

    // Continuations go to the thread pool: the worker goes back to the queue at once.
    private readonly TaskCompletionSource<PowerShellHost.PipelineResult> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int state;

    public Task<PowerShellHost.PipelineResult> Completion => completion.Task;

    /// <summary>Null unless its caller abandoned it; then whether that raised the worker limit.</summary>
    public bool? Abandoned => Volatile.Read(ref state) switch
    {
        AbandonedRaising => true,
        AbandonedQuietly => false,
        _ => null,
    };

    /// <summary>Runs the pipeline on the calling (worker) thread, unless it was cancelled while queued.</summary>
    public void Run(Runspace runspace)
    {
        if (Interlocked.CompareExchange(ref state, Running, Queued) != Queued)
        {
            completion.TrySetCanceled();
            return;
        }
        ErrorRecord? terminating = null;
        bool stopped = false;
        try
        {
            ps.Runspace = runspace;
            ps.Invoke<PSObject, PSObject>(null, output, null);
        }
        catch (PipelineStoppedException)
        {
            stopped = true;
        }
        catch (RuntimeException e)
        {
            terminating = e.ErrorRecord;
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref state, Done, Running);
            completion.TrySetException(e);
            return;
        }
        var result = new PowerShellHost.PipelineResult([.. ps.Streams.Error], terminating, stopped);
        Interlocked.CompareExchange(ref state, Done, Running);
        completion.TrySetResult(result);
    }

    /// <summary>
    /// The caller wants it stopped: true when it is running (stop it and wait), false when it will
    /// never run or has ended.
    /// </summary>
    public bool Cancel() =>
        Interlocked.CompareExchange(ref state, Cancelled, Queued) != Queued && Volatile.Read(ref state) == Running;

    /// <summary>The caller gives up on a running pipeline; false when it ended meanwhile.</summary>
    public bool Abandon(bool raisedLimit) =>
        Interlocked.CompareExchange(ref state, raisedLimit ? AbandonedRaising : AbandonedQuietly, Running) == Running;

    public void DisposePowerShell() => ps.Dispose();
}
