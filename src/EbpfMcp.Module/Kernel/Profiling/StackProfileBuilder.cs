using EbpfMcp.Kernel.Symbols;

namespace EbpfMcp.Kernel.Profiling;

/// <summary>
/// Turns the kernel's rows into a <see cref="StackProfile"/>: threads of a process are merged,
/// stacks are symbolized (each distinct address once) and put root first, user frames below kernel
/// frames, and rows whose frames read the same are merged again.
/// </summary>
internal static class StackProfileBuilder
{
    private const int EFAULT = 14, ENOENT = 2;

    public static StackProfile Build(ProfileKind kind, RawStackProfile raw, Symbolizer symbolizer, StackSpace space, string hook,
        DateTimeOffset startedAt, TimeSpan elapsed, bool stoppedEarly, int frequency)
    {
        var stacks = raw.Rows
            .GroupBy(r => (r.Tgid, r.ProcessName, r.UserStackId, r.KernelStackId))
            .Select(g => (g.Key, Frames: Frames(kind, g.Key.Tgid, g.Key.UserStackId, g.Key.KernelStackId, raw, symbolizer, space),
                Count: g.Aggregate(0UL, (s, r) => s + r.Count), Nanoseconds: g.Aggregate(0UL, (s, r) => s + r.BlockedNanoseconds)))
            .GroupBy(s => (s.Key.Tgid, s.Key.ProcessName, Folded: string.Join(';', s.Frames.Select(f => f.Name))))
            .Select(g => new ProfileStack((int)g.Key.Tgid, g.Key.ProcessName, g.First().Frames,
                g.Aggregate(0UL, (s, r) => s + r.Count), TimeSpan.FromTicks((long)(g.Aggregate(0UL, (s, r) => s + r.Nanoseconds) / 100))))
            .OrderByDescending(s => kind == ProfileKind.OnCpu ? s.Count : (ulong)s.BlockedTime.Ticks)
            .ThenBy(s => s.ProcessId)
            .ThenBy(s => s.Folded, StringComparer.Ordinal)
            .ToList();
        return new StackProfile
        {
            Kind = kind,
            Stacks = stacks,
            Hook = hook,
            StartedAt = startedAt,
            Elapsed = elapsed,
            Frequency = frequency,
            StoppedEarly = stoppedEarly,
            Dropped = raw.Dropped,
            StackCollisions = raw.StackCollisions,
            StackFailures = raw.StackFailures,
        };
    }

    /// <summary>Root first: the user stack from its outermost caller to its leaf, then the kernel stack likewise.</summary>
    private static List<SymbolizedFrame> Frames(ProfileKind kind, uint tgid, int userStackId, int kernelStackId, RawStackProfile raw, Symbolizer symbolizer, StackSpace space)
    {
        var frames = new List<SymbolizedFrame>();
        if (space != StackSpace.Kernel)
        {
            Add(frames, userStackId, "[missed user stack]", FrameKind.User, raw, ips => symbolizer.UserStack((int)tgid, ips));
        }
        if (space != StackSpace.User)
        {
            Add(frames, kernelStackId, "[missed kernel stack]", FrameKind.Kernel, raw, ips => symbolizer.KernelStack(ips));
        }
        if (kind == ProfileKind.OffCpu)
        {
            CutTracingFrames(frames);
        }
        return frames;
    }

    /// <summary>
    /// A stack taken in a tracepoint program ends in the tracing machinery that ran the program
    /// (__traceiter_sched_switch, bpf_trace_run4, the program itself): the profiler's frames, not
    /// the task's. They are cut from the first of them to the leaf.
    /// </summary>
    private static void CutTracingFrames(List<SymbolizedFrame> frames)
    {
        int at = frames.FindIndex(f => f.Kind == FrameKind.Kernel
            && (f.Name.StartsWith("__traceiter_", StringComparison.Ordinal) || f.Name.StartsWith("bpf_trace_run", StringComparison.Ordinal)));
        if (at >= 0)
        {
            frames.RemoveRange(at, frames.Count - at);
        }
    }

    private static void Add(List<SymbolizedFrame> frames, int stackId, string missed, FrameKind kind, RawStackProfile raw, Func<ulong[], SymbolizedFrame[]> symbolize)
    {
        if (stackId >= 0)
        {
            var leafFirst = symbolize(raw.Stacks.GetValueOrDefault(stackId, []));
            for (int i = leafFirst.Length - 1; i >= 0; i--)
            {
                frames.Add(leafFirst[i]);
            }
        }
        else if (-stackId is not (EFAULT or ENOENT))
        {
            // The sample counts, its stack was lost (collision, full map): said, not hidden.
            frames.Add(new SymbolizedFrame(missed, kind, null, 0));
        }
    }
}
