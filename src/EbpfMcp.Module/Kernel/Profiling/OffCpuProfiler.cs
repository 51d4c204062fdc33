using System.Runtime.InteropServices;
using EbpfMcp.Kernel.Tracing;

namespace EbpfMcp.Kernel.Profiling;

/// <summary>
/// Off-CPU profile: bpf/off_cpu.bpf.o on sched_switch (tp_btf, else raw_tp, chosen by trying)
/// stores the stacks of each task leaving the CPU and, when it runs again, adds the time it was
/// off to its (thread, stacks) row in the kernel. The time includes waiting for a CPU after the
/// wake-up. Tasks switched out while still runnable (preempted) are counted only with
/// IncludePreempted. User stacks need frame pointers.
/// </summary>
internal static class OffCpuProfiler
{
    public const string ObjectName = "off_cpu";
    private const string Table = "blocked";

    /// <summary>The hooks it can run on, best first: those its cmdlet declares (Measure-BpfOffCpuTime).</summary>
    public static IReadOnlyList<HookChoice.Candidate> Hooks => TracerCatalog.All.Single(t => t.ObjectName == ObjectName).Hooks;

    /// <summary>Loads and attaches on the first hook that works here (or on <paramref name="hook"/> alone: tests try each).</summary>
    public static ProfileSession Start(ProfileRequest request, HookChoice.Candidate? hook = null)
    {
        request.Validate(onCpu: false);
        var config = RodataBytes.Of(new OffCpuConfig
        {
            process = request.Filter(),
            space = request.SpaceRecord(),
            min_block_ns = (ulong)(request.MinBlock.Ticks * 100),
            include_preempted = request.IncludePreempted ? 1u : 0u,
        });
        var (tracer, hookName) = hook is null
            ? HookChoice.Start(ObjectName, Hooks, config, request.MapSizes(Table))
            : (TracerObject.Start(ObjectName, hook.Programs, config, request.MapSizes(Table)), hook.Hook);
        return new ProfileSession(ProfileKind.OffCpu, tracer, hookName, Table, Blocked, request);
    }

    /// <summary>
    /// Counts blocked time for the request's duration, or until <paramref name="cancellation"/>
    /// fires (the profile so far is returned, marked StoppedEarly). Everything it loaded is
    /// detached and unloaded before symbolization starts, also on failure.
    /// </summary>
    public static StackProfile Run(ProfileRequest request, CancellationToken cancellation = default, Action<ProfileProgress>? progress = null) =>
        Run(request, cancellation, progress, hook: null);

    /// <summary>As above; with <paramref name="hook"/>, that variant only (tests run each one).</summary>
    internal static StackProfile Run(ProfileRequest request, CancellationToken cancellation, Action<ProfileProgress>? progress, HookChoice.Candidate? hook)
    {
        using var session = Start(request, hook);
        return session.Finish(session.Wait(cancellation, progress));
    }

    private static (ulong, ulong) Blocked(byte[] value)
    {
        var blocked = MemoryMarshal.Read<BlockedTimeRecord>(value);
        return (blocked.count, blocked.total_ns);
    }
}
