using System.Buffers.Binary;
using EbpfMcp.Kernel.Loading;
using EbpfMcp.Kernel.Symbols;
using EbpfMcp.Kernel.Tracing;

namespace EbpfMcp.Kernel.Profiling;

/// <summary>
/// On-CPU profile: a software cpu-clock perf event per online CPU at the requested frequency, each
/// running bpf/cpu_profile.bpf.o's perf_event program, which stores the interrupted task's stacks
/// and counts them in the kernel (cost per sample is constant; nothing is streamed). Needs a kernel
/// with perf_event programs and bpf_get_stackid; no kprobes. User stacks are walked by frame
/// pointers: code built without them (-fomit-frame-pointer, the default at -O2 on x86_64) shows
/// its leaf function and then wrong or missing callers.
/// </summary>
internal static class CpuProfiler
{
    public const string ObjectName = "cpu_profile";
    private const string Program = "cpu_sample", Table = "samples";

    /// <summary>
    /// Samples for the request's duration, or until <paramref name="cancellation"/> fires (then
    /// the profile of the time so far is returned, marked StoppedEarly). Everything it loaded is
    /// detached and unloaded before symbolization starts, also on failure.
    /// </summary>
    public static StackProfile Run(ProfileRequest request, CancellationToken cancellation = default, Action<ProfileProgress>? progress = null)
    {
        request.Validate(onCpu: true);
        var startedAt = DateTimeOffset.Now;
        var symbolizer = new Symbolizer();
        RawStackProfile raw;
        (TimeSpan Elapsed, bool StoppedEarly) run;
        using (var tracer = TracerObject.Start(ObjectName, [Program], request.ConfigBytes(0), request.MapSizes(Table), new AttachTargets { SampleFrequency = request.Frequency }))
        {
            run = StackTables.Wait(tracer, Table, Count, request.Duration, symbolizer, cancellation, progress);
            raw = StackTables.Read(tracer, Table, Count, symbolizer);
        }
        return StackProfileBuilder.Build(ProfileKind.OnCpu, raw, symbolizer, request.Space, $"perf_event:cpu-clock@{request.Frequency}Hz",
            startedAt, run.Elapsed, run.StoppedEarly, request.Frequency);
    }

    private static (ulong, ulong) Count(byte[] value) => (BinaryPrimitives.ReadUInt64LittleEndian(value), 0);
}
