using EbpfMcp.Kernel.Symbols;
using EbpfMcp.Model;

namespace EbpfMcp.Kernel.Profiling;

internal enum ProfileKind
{
    OnCpu,
    OffCpu,
}

/// <summary>One distinct stack of one process: frames root first, samples or blocks, and (off-CPU) time blocked.</summary>
internal sealed record ProfileStack(int ProcessId, string ProcessName, IReadOnlyList<SymbolizedFrame> Frames, ulong Count, TimeSpan BlockedTime)
{
    public string Folded => Frames.Count == 0 ? ProcessName : ProcessName + ";" + string.Join(';', Frames.Select(f => f.Name));
}

/// <summary>
/// The result of a CPU or off-CPU profile: stacks aggregated per process and stack, heaviest first
/// (most samples, or most blocked time), the totals their shares are of, and what was lost.
/// </summary>
internal sealed class StackProfile
{
    public required ProfileKind Kind { get; init; }
    public required IReadOnlyList<ProfileStack> Stacks { get; init; }
    /// <summary>The kernel hook it ran on: "perf_event:cpu-clock", "tp_btf:sched_switch", "raw_tp:sched_switch".</summary>
    public required string Hook { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    /// <summary>How long it really sampled (shorter than asked when stopped early).</summary>
    public required TimeSpan Elapsed { get; init; }
    /// <summary>On-CPU sampling rate per CPU; 0 for off-CPU profiles.</summary>
    public int Frequency { get; init; }
    /// <summary>True when cancellation ended it before its duration.</summary>
    public bool StoppedEarly { get; init; }
    /// <summary>Samples (or blocks) not counted: the aggregation table was full.</summary>
    public ulong Dropped { get; init; }
    /// <summary>Stacks lost to stack-map hash collisions (their samples count, without that stack).</summary>
    public ulong StackCollisions { get; init; }
    /// <summary>Stacks that could not be stored for another reason (stack map full).</summary>
    public ulong StackFailures { get; init; }

    private ulong? totalCount;
    private TimeSpan? totalBlockedTime;

    /// <summary>Samples (on-CPU) or blocks (off-CPU) in all stacks.</summary>
    public ulong TotalCount => totalCount ??= Stacks.Aggregate(0UL, (sum, s) => sum + s.Count);

    public TimeSpan TotalBlockedTime => totalBlockedTime ??= Stacks.Aggregate(TimeSpan.Zero, (sum, s) => sum + s.BlockedTime);

    /// <summary>The interval one on-CPU sample stands for.</summary>
    public TimeSpan SamplePeriod => Frequency > 0 ? TimeSpan.FromTicks(TimeSpan.TicksPerSecond / Frequency) : TimeSpan.Zero;

    /// <summary>A stack's share of the profile: of samples on-CPU, of blocked time off-CPU.</summary>
    public double Share(ProfileStack stack)
    {
        double part = Kind == ProfileKind.OnCpu ? stack.Count : stack.BlockedTime.Ticks;
        double whole = Kind == ProfileKind.OnCpu ? TotalCount : TotalBlockedTime.Ticks;
        return whole == 0 ? 0 : part / whole;
    }

    /// <summary>The pipeline objects, heaviest first.</summary>
    public IReadOnlyList<BpfStackSample> ToSamples() => Stacks.Select(s => new BpfStackSample
    {
        ProcessName = s.ProcessName,
        ProcessId = s.ProcessId,
        Count = s.Count,
        Percent = Math.Round(Share(s) * 100, 2),
        Frames = s.Frames.Select(f => f.Name).ToArray(),
        Folded = s.Folded,
        BlockedTime = Kind == ProfileKind.OffCpu ? s.BlockedTime : null,
    }).ToList();

    /// <summary>What a user must be told about losses, one sentence each (none when nothing was lost).</summary>
    public IEnumerable<string> Warnings()
    {
        var what = Kind == ProfileKind.OnCpu ? "sample(s)" : "block(s)";
        if (Dropped > 0)
        {
            yield return $"{Dropped} {what} were not counted: the kernel table of distinct (thread, stack) rows was full. Narrow the profile (process id or name) or raise the table size.";
        }
        if (StackCollisions > 0)
        {
            yield return $"{StackCollisions} stack(s) were lost to stack-map hash collisions; their {what} are shown as [missed user stack] / [missed kernel stack]. Raise the table size.";
        }
        if (StackFailures > 0)
        {
            yield return $"{StackFailures} stack(s) could not be stored (stack map full); their {what} are shown as [missed user stack] / [missed kernel stack]. Raise the table size.";
        }
    }
}
