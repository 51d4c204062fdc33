using System.Management.Automation;
using System.Security.Cryptography;
using EbpfMcp.Model;

namespace EbpfMcp.Kernel.Tracing;

/// <summary>
/// The engine of a <see cref="BpfTraceJob"/>: a thread of its own drives the run for its duration,
/// events go to the job's Output up to a bound (the rest is counted as dropped, never lost from the
/// counts and groups), the kernel side is unloaded as soon as the trace ends, and the results stay
/// until <see cref="ExpiresAt"/>.
/// </summary>
internal sealed class BackgroundTrace
{
    public const int BufferLimit = 10_000;
    public static readonly TimeSpan Retention = TimeSpan.FromMinutes(15);

    private readonly TimeSpan duration;
    private readonly ManualResetEventSlim stop = new();
    private readonly Thread thread;
    private long dropped;
    private long finalLost = -1;

    public BackgroundTrace(TraceCollector collector, TimeSpan duration, string command)
    {
        Collector = collector;
        this.duration = duration;
        TraceId = Base64Url(RandomNumberGenerator.GetBytes(16));
        StartedAt = DateTimeOffset.Now;
        EndsAt = StartedAt + duration;
        Job = new BpfTraceJob(command, this);
        thread = new Thread(Drive) { IsBackground = true, Name = "bpf-trace " + collector.Run.Tracer };
    }

    public string TraceId { get; }
    public string Tracer => Collector.Run.Tracer;
    public string Hook => Collector.Run.Hook;
    public DateTimeOffset StartedAt { get; }
    public DateTimeOffset EndsAt { get; }
    public DateTimeOffset? EndedAt { get; private set; }
    public DateTimeOffset? ExpiresAt => EndedAt + Retention;
    public TraceCollector Collector { get; }
    public BpfTraceJob Job { get; }
    public long Dropped => Interlocked.Read(ref dropped);
    public long Lost => finalLost >= 0 ? finalLost : Collector.Lost();
    public bool Running => EndedAt is null;

    /// <summary>Called when the results are freed: takes the job out of the job repository it was added to.</summary>
    public Action? OnForget { get; set; }

    public void Start()
    {
        Job.MarkState(JobState.Running);
        thread.Start();
    }

    /// <summary>Asks the trace to end now; with <paramref name="wait"/>, returns once it has ended.</summary>
    public void Stop(bool wait)
    {
        stop.Set();
        if (wait && Thread.CurrentThread != thread)
        {
            thread.Join();
        }
    }

    /// <summary>What a Receive-BpfTrace sees now: the groups, the aggregate so far, or the buffered events.</summary>
    public BpfTraceSummary Summary() => Collector.Summary(TraceId, Dropped);

    private void Drive()
    {
        Exception? failure = null;
        try
        {
            Collector.Collect(duration, () => stop.IsSet, Buffer);
            foreach (var group in Collector.Groups())
            {
                Job.Output.Add(PSObject.AsPSObject(group));
            }
        }
        catch (Exception e)
        {
            failure = e;
        }
        finally
        {
            finalLost = Collector.Lost(); // the last read while the kernel side is still there
            Collector.Run.Dispose(); // detached now, not when the results expire
            EndedAt = DateTimeOffset.Now;
            Job.MarkState(failure is not null ? JobState.Failed : stop.IsSet ? JobState.Stopped : JobState.Completed, failure);
        }
    }

    private void Buffer(object item)
    {
        if (Job.Output.Count >= BufferLimit)
        {
            Interlocked.Increment(ref dropped);
            return;
        }
        Job.Output.Add(PSObject.AsPSObject(item));
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
