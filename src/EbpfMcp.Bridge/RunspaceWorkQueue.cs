namespace EbpfMcp.Bridge;

/// <summary>
/// The pipelines waiting for a runspace worker. Workers block on a monitor rather than a
/// SemaphoreSlim or BlockingCollection: those spin before they sleep, and eight idle workers
/// spinning on two cores took a quarter of the bridge's CPU under load (measured).
/// </summary>
internal sealed class RunspaceWorkQueue
{
    private readonly Queue<RunspaceWork> items = new();
    private int waiting;   // workers blocked in TryTake (woken ones count until they take)
    private bool completed;

    /// <summary>Queues a pipeline; true when more are queued than workers are waiting (another worker would help).</summary>
    /// <exception cref="ObjectDisposedException">The host is shutting down.</exception>
    public bool Add(RunspaceWork work)
    {
        lock (items)
        {
            ObjectDisposedException.ThrowIf(completed, this);
            items.Enqueue(work);
            if (waiting > 0)
            {
                Monitor.Pulse(items);
            }
            return items.Count > waiting;
        }
    }

    /// <summary>Whether more pipelines are queued than workers are waiting for them.</summary>
    public bool Backlogged
    {
        get
        {
            lock (items)
            {
                return items.Count > waiting;
            }
        }
    }

    /// <summary>Waits for the next pipeline; false once the queue is completed and empty.</summary>
    public bool TryTake([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RunspaceWork? work)
    {
        lock (items)
        {
            while (items.Count == 0)
            {
                if (completed)
                {
                    work = null;
                    return false;
                }
                waiting++;
                Monitor.Wait(items);
                waiting--;
            }
            work = items.Dequeue();
            return true;
        }
    }

    /// <summary>No more pipelines: waiting workers end once the queue is empty.</summary>
    public void Complete()
    {
        lock (items)
        {
            completed = true;
            Monitor.PulseAll(items);
        }
    }
}
