using EbpfMcp.Kernel.Loading;
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

    /// <summary>Loads and attaches the sampler: refused (InvalidProfileRequest, PerfEventUnavailable, ...) before anything stays loaded.</summary>
    public static ProfileSession Start(ProfileRequest request)
    {
        request.Validate(onCpu: true);
        var config = new CpuProfileConfig { process = request.Filter(), space = request.SpaceRecord() };
        var tracer = TracerObject.Start(ObjectName, [Program], RodataBytes.Of(config), request.MapSizes(Table), new AttachTargets { SampleFrequency = request.Frequency });
        return new ProfileSession(ProfileKind.OnCpu, tracer, $"perf_event:cpu-clock@{request.Frequency}Hz", Table, Count, request);
    }

    /// <summary>
    /// Samples for the request's duration, or until <paramref name="cancellation"/> fires (then
    /// the profile of the time so far is returned, marked StoppedEarly). Everything it loaded is
    /// detached and unloaded before symbolization starts, also on failure.
    /// </summary>
    public static StackProfile Run(ProfileRequest request, CancellationToken cancellation = default, Action<ProfileProgress>? progress = null)
    {
        using var session = Start(request);
        return session.Finish(session.Wait(cancellation, progress));
    }

    private static (ulong, ulong) Count(byte[] value) => (System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(value), 0);
}
