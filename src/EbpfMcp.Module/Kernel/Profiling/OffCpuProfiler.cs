using System.Buffers.Binary;
using EbpfMcp.Kernel.Symbols;
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

    public static readonly IReadOnlyList<HookChoice.Candidate> Hooks =
    [
        new("tp_btf:sched_switch", ["off_cpu_btf"]),
        new("raw_tp:sched_switch", ["off_cpu_raw"]),
    ];

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
        request.Validate(onCpu: false);
        var startedAt = DateTimeOffset.Now;
        var symbolizer = new Symbolizer();
        // struct off_cpu_config: process_filter, stack_space, min_block_ns@64, include_preempted@72, pad.
        var config = request.ConfigBytes(16);
        BinaryPrimitives.WriteUInt64LittleEndian(config.AsSpan(64), (ulong)(request.MinBlock.Ticks * 100));
        BinaryPrimitives.WriteUInt32LittleEndian(config.AsSpan(72), request.IncludePreempted ? 1u : 0u);

        RawStackProfile raw;
        (TimeSpan Elapsed, bool StoppedEarly) run;
        var (tracer, hookName) = hook is null
            ? HookChoice.Start(ObjectName, Hooks, config, request.MapSizes(Table))
            : (TracerObject.Start(ObjectName, hook.Programs, config, request.MapSizes(Table)), hook.Hook);
        using (tracer)
        {
            run = StackTables.Wait(tracer, Table, Blocked, request.Duration, symbolizer, cancellation, progress);
            raw = StackTables.Read(tracer, Table, Blocked, symbolizer);
        }
        return StackProfileBuilder.Build(ProfileKind.OffCpu, raw, symbolizer, request.Space, hookName, startedAt, run.Elapsed, run.StoppedEarly, 0);
    }

    /// <summary>struct blocked_time: total_ns@0, count@8.</summary>
    private static (ulong, ulong) Blocked(byte[] value) =>
        (BinaryPrimitives.ReadUInt64LittleEndian(value.AsSpan(8)), BinaryPrimitives.ReadUInt64LittleEndian(value));
}
