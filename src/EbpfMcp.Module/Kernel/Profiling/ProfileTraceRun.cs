using System.Diagnostics;
using EbpfMcp.Kernel.Profiling.Output;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Model;

namespace EbpfMcp.Kernel.Profiling;

/// <summary>
/// A CPU or off-CPU profile as a trace run, so the Measure- cmdlets run in the foreground or as
/// background jobs like every tracer: nothing streams while it runs (the kernel counts); at the end
/// the profile is read, unloaded, symbolized, optionally written to a file, and returned as
/// <see cref="BpfStackSample"/>s, heaviest first.
/// </summary>
internal sealed class ProfileTraceRun(string tracer, ProfileSession session, string? outFile)
    : TraceRun(tracer, session.Hook, session.ProgramIds, session)
{
    private static readonly TimeSpan ObserveInterval = TimeSpan.FromMilliseconds(500);
    private readonly Stopwatch sinceObserved = Stopwatch.StartNew();
    private StackProfile? profile;

    /// <summary>The profile, once the run completed.</summary>
    public StackProfile? Profile => profile;

    /// <summary>Where -OutFile wrote the profile (full path), once the run completed.</summary>
    public override IReadOnlyList<string> Files => WrittenFile is null ? [] : [WrittenFile];

    private string? WrittenFile { get; set; }

    /// <summary>Samples (on-CPU) or blocks (off-CPU) counted so far, as last observed.</summary>
    public ulong CountSoFar { get; private set; }

    public override void Poll(TimeSpan wait, Action<object> emit)
    {
        Thread.Sleep(wait < TimeSpan.FromMilliseconds(100) ? wait : TimeSpan.FromMilliseconds(100));
        if (sinceObserved.Elapsed >= ObserveInterval)
        {
            // Also has the symbolizer remember processes while they still run.
            CountSoFar = session.Observe().Count;
            sinceObserved.Restart();
        }
    }

    public override IReadOnlyList<object> Complete()
    {
        profile = session.Finish(stoppedEarly: false);
        if (outFile is not null)
        {
            WrittenFile = ProfileFiles.Write(profile, outFile);
        }
        return [.. profile.ToSamples()];
    }

    public override string? Report(IReadOnlyList<object> completed) => profile is null ? null : TopStacksTable.Format(profile);

    public override long Lost() => profile is null ? 0 : (long)(profile.Dropped + profile.StackCollisions + profile.StackFailures);

    public override string LostWarning(long lost) => string.Join(" ", profile?.Warnings() ?? []);
}
